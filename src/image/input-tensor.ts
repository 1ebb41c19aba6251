import { UnsupportedImageInputError } from './errors.js';
import { placeImage, type FitMode } from './fit.js';
import {
  isTensorDataOf,
  newTensorData,
  pixelValueTable,
  type ImageInputDType,
  type InputQuantization,
  type InputTensorData,
  type Normalization,
} from './pixel-values.js';
import { resizeArea } from './resize-area.js';
import { resizeNearest } from './resize-nearest.js';
import { resizeWithSharp } from './resize-sharp.js';
import type { RgbImage } from './rgb-image.js';

/**
 * What toInputTensor needs to know about the model's input. The interpreter's input
 * tensors (and TensorInfo from the model reader) have these fields.
 */
export interface ImageInputDetails {
  /** [1, H, W, 3] for colour, [1, H, W, 1] or [1, H, W] for grayscale. */
  readonly shape: readonly number[];
  readonly dtype: string;
  readonly quantization: InputQuantization | null;
}

/**
 * - `nearest`: pixel-exact with PIL's `Image.NEAREST`, which pycoral's learning examples
 *   and tests use (the default);
 * - `bilinear`, `lanczos3`: sharp (libvips), anti-aliased when shrinking;
 * - `area`: the mean of the source area each target pixel covers (box filter).
 */
export type ResizeMethod = 'nearest' | 'bilinear' | 'area' | 'lanczos3';

export interface ToInputTensorOptions {
  /** Default 'nearest'. */
  readonly resize?: ResizeMethod;
  /** Default 'fill'. */
  readonly fit?: FitMode;
  /** Pixel normalization; see pixelValueTable for the default rule of each input type. */
  readonly normalize?: Normalization;
  /** Write into this array (e.g. the interpreter's input tensor) instead of a new one. */
  readonly out?: InputTensorData;
}

/** Height, width and channel count of an image input; throws for anything else. */
export function imageInputSize(input: ImageInputDetails): { height: number; width: number; channels: 1 | 3 } {
  const s = input.shape;
  const ok =
    (s.length === 4 && s[0] === 1 && (s[3] === 3 || s[3] === 1)) || (s.length === 3 && s[0] === 1);
  if (!ok || !s.slice(1, 3).every((d) => Number.isInteger(d) && d > 0)) {
    throw new UnsupportedImageInputError(
      `the model input has shape [${s.join(', ')}], which is not an image input ([1, H, W, 3], [1, H, W, 1] or [1, H, W])`,
    );
  }
  return { height: s[1]!, width: s[2]!, channels: s.length === 4 && s[3] === 3 ? 3 : 1 };
}

function imageInputDType(dtype: string): ImageInputDType {
  if (dtype === 'uint8' || dtype === 'int8' || dtype === 'float32') return dtype;
  throw new UnsupportedImageInputError(`the model input is ${dtype}; images can be fed to uint8, int8 or float32 inputs only`);
}

/**
 * Turns a decoded image into the model's input tensor data: resized and fitted to the
 * input's height and width, converted to grayscale for one-channel inputs (PIL's
 * `convert('L')` weights), and mapped to the input's type (see pixelValueTable).
 * Areas that `contain` leaves empty hold the value of a black pixel.
 */
export async function toInputTensor(
  image: RgbImage,
  input: ImageInputDetails,
  options: ToInputTensorOptions = {},
): Promise<InputTensorData> {
  const { height, width, channels } = imageInputSize(input);
  const dtype = imageInputDType(input.dtype);
  const table = pixelValueTable(dtype, input.quantization, options.normalize);
  const length = height * width * channels;
  const out = options.out ?? newTensorData(dtype, length);
  if (out.length !== length || !isTensorDataOf(dtype, out)) {
    throw new UnsupportedImageInputError(`the output array must be a ${dtype} array of ${length} elements`);
  }
  if (image.width <= 0 || image.height <= 0 || image.data.length !== image.width * image.height * 3) {
    throw new TypeError(`not an RGB image: ${image.width}x${image.height} with ${image.data.length} bytes`);
  }

  const place = placeImage(image.width, image.height, width, height, options.fit ?? 'fill');
  const resized = await resizeTo(image, place.width, place.height, place.box, options.resize ?? 'nearest');
  if (place.width !== width || place.height !== height) out.fill(table[0]!);

  const src = resized.data;
  for (let y = 0; y < place.height; y++) {
    let s = y * place.width * 3;
    let d = ((place.y + y) * width + place.x) * channels;
    if (channels === 3) {
      for (let i = 0; i < place.width * 3; i++) out[d++] = table[src[s++]!]!;
    } else {
      for (let x = 0; x < place.width; x++, s += 3) out[d++] = table[luma(src[s]!, src[s + 1]!, src[s + 2]!)]!;
    }
  }
  return out;
}

/** ITU-R 601-2 luma in PIL's 16-bit fixed point, so gray pixels stay exactly as they are. */
function luma(r: number, g: number, b: number): number {
  return (r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16;
}

async function resizeTo(image: RgbImage, width: number, height: number, box: readonly [number, number, number, number], method: ResizeMethod): Promise<RgbImage> {
  switch (method) {
    case 'nearest':
      return resizeNearest(image, width, height, box);
    case 'area':
      return resizeArea(image, width, height, box);
    case 'bilinear':
      return resizeWithSharp(image, width, height, 'linear', box);
    case 'lanczos3':
      return resizeWithSharp(image, width, height, 'lanczos3', box);
    default:
      throw new TypeError(`unknown resize method '${String(method)}' (use nearest, bilinear, area or lanczos3)`);
  }
}
