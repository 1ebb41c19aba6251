/**
 * The affine quantization arithmetic of Coral's learning code, in float32 with C++'s
 * rounding, so that the bytes we write are the bytes libcoral writes.
 */

const f32 = Math.fround;

/** C++ std::round: halves go away from zero (Math.round sends -2.5 to -2). */
export function roundHalfAwayFromZero(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

/** real = scale * (q - zeroPoint): integer subtraction, float32 product. */
export function dequantizeValue(q: number, scale: number, zeroPoint: number): number {
  return f32(f32(scale) * (q - zeroPoint));
}

/** Dequantizes `q` into `out` (same length). */
export function dequantize(q: ArrayLike<number>, scale: number, zeroPoint: number, out: Float32Array): Float32Array {
  const s = f32(scale);
  for (let i = 0; i < q.length; i++) out[i] = s * (q[i]! - zeroPoint);
  return out;
}

/** q = clamp(round(zeroPoint + real / scale), lo, hi), computed in float32 like libcoral. */
export function quantizeValue(real: number, scale: number, zeroPoint: number, lo: number, hi: number): number {
  const q = roundHalfAwayFromZero(f32(zeroPoint + f32(f32(real) / f32(scale))));
  return q < lo ? lo : q > hi ? hi : q;
}

export function quantizeToUint8(values: ArrayLike<number>, scale: number, zeroPoint: number, out = new Uint8Array(values.length)): Uint8Array {
  for (let i = 0; i < values.length; i++) out[i] = quantizeValue(values[i]!, scale, zeroPoint, 0, 255);
  return out;
}

export function quantizeToInt32(values: ArrayLike<number>, scale: number, zeroPoint: number, out = new Int32Array(values.length)): Int32Array {
  for (let i = 0; i < values.length; i++) out[i] = quantizeValue(values[i]!, scale, zeroPoint, -2147483648, 2147483647);
  return out;
}

/** Per-tensor uint8 quantization parameters, plus the float range they were made from. */
export interface UInt8Quantization {
  scale: number;
  zeroPoint: number;
  min: number;
  max: number;
}

/**
 * libcoral's QuantizationParams<uint8>(min, max): scale = (max - min) / 255, and the zero
 * point taken from whichever end gives the smaller rounding error (ties: the max end),
 * clamped to [0, 255] and rounded half away from zero. Everything in float32, which
 * matters: (-1, 1) gives zero point 127 here where float64 would give 128.
 * The range must contain 0; a [0, 0] range gives scale 0 (as in libcoral).
 */
export function uint8QuantizationFor(min: number, max: number): UInt8Quantization {
  const fmin = f32(min);
  const fmax = f32(max);
  if (!(fmin <= 0 && fmax >= 0)) throw new RangeError(`quantization range [${min}, ${max}] must contain 0`);
  if (fmin === fmax) return { scale: 0, zeroPoint: 0, min: fmin, max: fmax };
  const scale = f32(f32(fmax - fmin) / 255);
  const minOverScale = f32(fmin / scale);
  const maxOverScale = f32(fmax / scale);
  const fromMin = f32(0 - minOverScale);
  const fromMax = f32(255 - maxOverScale);
  const errorMin = f32(0 + Math.abs(minOverScale));
  const errorMax = f32(255 + Math.abs(maxOverScale));
  const zp = errorMin < errorMax ? fromMin : fromMax;
  const zeroPoint = zp < 0 ? 0 : zp > 255 ? 255 : roundHalfAwayFromZero(zp);
  return { scale, zeroPoint, min: fmin, max: fmax };
}
