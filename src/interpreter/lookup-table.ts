import { roundHalfAwayFromZero } from './quantization-math.js';
import type { PerTensorQuantization } from './kernels/node-checks.js';

/**
 * TFLite's PopulateLookupTable for 8-bit LOGISTIC and TANH: for every raw input byte,
 * dequantize in float32, apply `transform` (float32 in, float32 out), divide by the output
 * scale (as a multiplication by the float32 inverse), round half away from zero, add the
 * output zero point in float32 and clamp to the type. Indexed by raw byte.
 */
export function populateLookupTable(
  dtype: 'uint8' | 'int8',
  input: PerTensorQuantization,
  output: PerTensorQuantization,
  transform: (x: number) => number,
): Uint8Array {
  const table = new Uint8Array(256);
  const inverseScale = Math.fround(1 / output.scale);
  const [min, max] = dtype === 'uint8' ? [0, 255] : [-128, 127];
  for (let value = min; value <= max; value++) {
    const dequantized = Math.fround(input.scale * (value - input.zeroPoint));
    const transformed = Math.fround(transform(dequantized));
    const rescaled = roundHalfAwayFromZero(Math.fround(transformed * inverseScale));
    const quantized = Math.trunc(Math.fround(rescaled + output.zeroPoint));
    table[value & 255] = Math.min(max, Math.max(min, quantized)) & 255;
  }
  return table;
}
