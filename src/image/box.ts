/**
 * A source region in pixel coordinates, [left, top, right, bottom], right and bottom
 * exclusive. Fractional edges are allowed, as in PIL's `resize(size, box=...)`.
 */
export type SourceBox = readonly [left: number, top: number, right: number, bottom: number];

/** The whole image as a box. */
export function fullBox(width: number, height: number): SourceBox {
  return [0, 0, width, height];
}
