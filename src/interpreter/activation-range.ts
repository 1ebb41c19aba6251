import { fb, type DType } from '../tflite/index.js';
import { roundHalfAwayFromZero } from './quantization-math.js';

/** The smallest and largest value an integer element type holds. */
export function integerRange(dtype: DType): [number, number] {
  switch (dtype) {
    case 'uint8': return [0, 255];
    case 'int8': return [-128, 127];
    case 'int16': return [-32768, 32767];
    case 'uint16': return [0, 65535];
    case 'int32': return [-2147483648, 2147483647];
    case 'uint32': return [0, 4294967295];
    case 'bool': return [0, 1];
    default: throw new RangeError(`${dtype} is not an integer type`);
  }
}

/** The fused activations TFLite kernels clamp with (TANH and SIGN_BIT are not clamps). */
export function isClampActivation(activation: fb.ActivationFunctionType): boolean {
  return (
    activation === fb.ActivationFunctionType.NONE ||
    activation === fb.ActivationFunctionType.RELU ||
    activation === fb.ActivationFunctionType.RELU6 ||
    activation === fb.ActivationFunctionType.RELU_N1_TO_1
  );
}

/**
 * CalculateActivationRangeQuantized: the clamp of a fused activation in the output's quantized
 * domain, zp + round(f / scale) (float32 division, halves away from zero) intersected with the
 * type's range.
 */
export function quantizedActivationRange(activation: fb.ActivationFunctionType, dtype: DType, scale: number, zeroPoint: number): [number, number] {
  const [qmin, qmax] = integerRange(dtype);
  const quantize = (f: number): number => zeroPoint + roundHalfAwayFromZero(Math.fround(f / Math.fround(scale)));
  switch (activation) {
    case fb.ActivationFunctionType.RELU: return [Math.max(qmin, quantize(0)), qmax];
    case fb.ActivationFunctionType.RELU6: return [Math.max(qmin, quantize(0)), Math.min(qmax, quantize(6))];
    case fb.ActivationFunctionType.RELU_N1_TO_1: return [Math.max(qmin, quantize(-1)), Math.min(qmax, quantize(1))];
    default: return [qmin, qmax];
  }
}

/** CalculateActivationRange for float32 outputs. */
export function floatActivationRange(activation: fb.ActivationFunctionType): [number, number] {
  switch (activation) {
    case fb.ActivationFunctionType.RELU: return [0, Infinity];
    case fb.ActivationFunctionType.RELU6: return [0, 6];
    case fb.ActivationFunctionType.RELU_N1_TO_1: return [-1, 1];
    default: return [-Infinity, Infinity];
  }
}

/** CalculateActivationRange for int32 outputs (the same bounds, in the type's range). */
export function int32ActivationRange(activation: fb.ActivationFunctionType): [number, number] {
  switch (activation) {
    case fb.ActivationFunctionType.RELU: return [0, 2147483647];
    case fb.ActivationFunctionType.RELU6: return [0, 6];
    case fb.ActivationFunctionType.RELU_N1_TO_1: return [-1, 1];
    default: return [-2147483648, 2147483647];
  }
}
