import { UnsupportedImageInputError } from './errors.js';

/** Input tensor types an image can be written to. */
export type ImageInputDType = 'uint8' | 'int8' | 'float32';
export type InputTensorData = Uint8Array | Int8Array | Float32Array;

/** Per-tensor quantization as the interpreter reports it (Float32Array/Int32Array fit). */
export interface InputQuantization {
  readonly scale: ArrayLike<number>;
  readonly zeroPoint: ArrayLike<number>;
}

/**
 * The real value the model should see for pixel p is (p - mean) / std. pycoral's
 * classify_image.py defaults to mean 128, std 128, which is also what Coral's image models'
 * input quantization (scale 1/128, zero point 128) encodes.
 */
export interface Normalization {
  readonly mean: number;
  readonly std: number;
}

const DEFAULT_FLOAT_NORMALIZATION: Normalization = { mean: 128, std: 128 };

/**
 * The value written to the input tensor for each pixel value 0..255.
 *
 * Without `normalize` (the default), images are fed the way pycoral feeds them:
 * - uint8: the raw pixel p, whatever the quantization says (pycoral's `set_input` copies the
 *   PIL image; the model's own input quantization, typically (1/128, 128), does the rest);
 * - int8: p - 128, the same real value for a model whose zero point is 128 lower, which is
 *   how a uint8 model and its int8 conversion are related;
 * - float32: when the tensor carries quantization (scale s, zero point z), s * (p - z), the
 *   real value a quantized copy of the model would see; otherwise (p - 128) / 128.
 *
 * With `normalize` {mean, std}, the real value is (p - mean) / std. float32 gets it as is;
 * uint8/int8 get it quantized like pycoral's classify_image.py: (p - mean) / (std * s) + z,
 * clamped to the type's range and truncated; when std * s is 1 and mean equals the
 * zero point (within 1e-5) the raw pixel passes through unchanged.
 */
export function pixelValueTable(
  dtype: ImageInputDType,
  quantization: InputQuantization | null,
  normalize?: Normalization,
): InputTensorData {
  const scale = quantization && quantization.scale.length > 0 ? quantization.scale[0]! : undefined;
  const zeroPoint = quantization && quantization.zeroPoint.length > 0 ? quantization.zeroPoint[0]! : 0;
  const table = newTensorData(dtype, 256);
  for (let p = 0; p < 256; p++) table[p] = pixelValue(p, dtype, scale, zeroPoint, normalize);
  return table;
}

function pixelValue(p: number, dtype: ImageInputDType, scale: number | undefined, zeroPoint: number, normalize?: Normalization): number {
  if (dtype === 'float32') {
    if (normalize) return (p - normalize.mean) / normalize.std;
    if (scale !== undefined) return scale * (p - zeroPoint);
    return (p - DEFAULT_FLOAT_NORMALIZATION.mean) / DEFAULT_FLOAT_NORMALIZATION.std;
  }
  const offset = dtype === 'int8' ? 128 : 0;
  if (!normalize) return p - offset;
  if (scale === undefined || scale <= 0) {
    throw new UnsupportedImageInputError(`the ${dtype} input has no quantization scale, so it cannot be normalized with mean ${normalize.mean} and std ${normalize.std}`);
  }
  if (Math.abs(scale * normalize.std - 1) < 1e-5 && Math.abs(normalize.mean - (zeroPoint + offset)) < 1e-5) return p - offset;
  const [lo, hi] = dtype === 'int8' ? [-128, 127] : [0, 255];
  return Math.trunc(Math.min(hi, Math.max(lo, (p - normalize.mean) / (normalize.std * scale) + zeroPoint)));
}

export function newTensorData(dtype: ImageInputDType, length: number): InputTensorData {
  switch (dtype) {
    case 'uint8':
      return new Uint8Array(length);
    case 'int8':
      return new Int8Array(length);
    case 'float32':
      return new Float32Array(length);
  }
}

export function isTensorDataOf(dtype: ImageInputDType, data: InputTensorData): boolean {
  if (dtype === 'uint8') return data instanceof Uint8Array;
  if (dtype === 'int8') return data instanceof Int8Array;
  return data instanceof Float32Array;
}
