/**
 * A decoded image: 8-bit RGB, row-major, 3 bytes a pixel, no row padding. Alpha is
 * dropped and grayscale is expanded, so every loader returns this one layout.
 */
export interface RgbImage {
  readonly width: number;
  readonly height: number;
  /** width * height * 3 bytes: R, G, B of the top-left pixel first. */
  readonly data: Uint8Array;
  /** The file the image came from, when it came from a file. */
  readonly source?: string;
}
