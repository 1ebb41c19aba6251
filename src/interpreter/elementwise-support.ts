import { fb, type DType } from '../tflite/index.js';
import { planBroadcast, broadcastShape, type BroadcastPlan } from './broadcast.js';
import type { KernelNode } from './kernel.js';
import { expectCounts, expectSameType, expectShape, invalid, requiredInput, unsupported } from './kernels/node-checks.js';
import type { RuntimeTensor } from './tensor.js';

/**
 * Prepare-time helpers shared by the element-wise kernels (SUB, MUL, MAXIMUM, LOGISTIC...):
 * float32 edge cases (denormals, NaN bits), fused activations, byte tables, broadcasting.
 */

/** FLT_MAX: TFLite clamps float results of fused-activation ops to ±FLT_MAX even for NONE. */
export const FLOAT32_MAX = 3.4028234663852886e38;

/** The smallest normal float32. */
export const FLOAT32_MIN_NORMAL = 1.1754943508222875e-38;

/**
 * The TFLite 2.9 x86-64 runtime runs its kernels with the SSE flush-to-zero and
 * denormals-are-zero flags set (measured: 1e-20 · 1e-20 gives 0, 1e-40 · inf gives NaN), so
 * a denormal float32, read as an operand or produced as a result, counts as a zero of the
 * same sign. Float kernels pass every operand and every rounded result through this.
 */
export function flushDenormal(x: number): number {
  return x < FLOAT32_MIN_NORMAL && x > -FLOAT32_MIN_NORMAL ? x * 0 : x;
}

/** x86's default NaN: the result of an invalid operation (0·inf, inf − inf, 0/0, sqrt(−1)). */
export const DEFAULT_NAN_BITS = 0xffc00000;
const QUIET_BIT = 0x00400000;

export const isNaNBits = (bits: number): boolean => (bits & 0x7fffffff) > 0x7f800000;

/**
 * The float32 NaN an SSE instruction returns, from its operands' bits in instruction order:
 * the first NaN source, quieted, or the default NaN when neither source is NaN. JavaScript
 * engines do not preserve NaN payloads reliably (optimized code may swap or canonicalize
 * them), so float kernels write NaN results through this.
 */
export function nanResultBits(first: number, second: number): number {
  if (isNaNBits(first)) return (first | QUIET_BIT) >>> 0;
  if (isNaNBits(second)) return (second | QUIET_BIT) >>> 0;
  return DEFAULT_NAN_BITS;
}

/** A float32 tensor's elements as raw bits (same memory as `data`). */
export function float32Bits(data: Float32Array): Uint32Array {
  return new Uint32Array(data.buffer, data.byteOffset, data.length);
}

/** The fused activation of an options table (NONE when the table or field is absent). */
export function fusedActivation(options: KernelNode['options']): fb.ActivationFunctionType {
  if (options && 'fusedActivationFunction' in options) return options.fusedActivationFunction;
  return fb.ActivationFunctionType.NONE;
}

/**
 * CalculateActivationRange<float>: NONE (and the non-clamp activations) give
 * [lowest, max] of float32, not ±infinity, so an overflow to ±inf comes out as ±FLT_MAX.
 */
export function float32ActivationClamp(activation: fb.ActivationFunctionType): [number, number] {
  switch (activation) {
    case fb.ActivationFunctionType.RELU: return [0, FLOAT32_MAX];
    case fb.ActivationFunctionType.RELU6: return [0, 6];
    case fb.ActivationFunctionType.RELU_N1_TO_1: return [-1, 1];
    default: return [-FLOAT32_MAX, FLOAT32_MAX];
  }
}

/** True for the 8-bit quantized element types. */
export function isQuantized8(dtype: DType): dtype is 'uint8' | 'int8' {
  return dtype === 'uint8' || dtype === 'int8';
}

/** The integer value each raw byte stands for (0..255 for uint8, two's complement for int8). */
export function byteValues(dtype: 'uint8' | 'int8'): Int32Array {
  const values = new Int32Array(256);
  for (let b = 0; b < 256; b++) values[b] = dtype === 'int8' ? (b << 24) >> 24 : b;
  return values;
}

/**
 * Checks that a and b broadcast to the output's shape, within the rank the TFLite kernel
 * handles, and plans the walk.
 */
export function planBinary(node: KernelNode, a: RuntimeTensor, b: RuntimeTensor, out: RuntimeTensor, maxRank: number): BroadcastPlan {
  const shape = broadcastShape(a.shape, b.shape);
  if (!shape) {
    throw invalid(node, `input shapes [${a.shape.join(', ')}] and [${b.shape.join(', ')}] do not broadcast`);
  }
  const sameShape = a.shape.length === b.shape.length && a.shape.every((d, k) => d === b.shape[k]);
  if (!sameShape && shape.length > maxRank) {
    throw unsupported(node, `broadcasting [${a.shape.join(', ')}] with [${b.shape.join(', ')}] has rank ${shape.length}; TFLite's ${node.op} broadcasts up to rank ${maxRank}`);
  }
  expectShape(node, out, shape);
  return planBroadcast(a.shape, b.shape);
}

/** Throws unless the node has exactly `inputs` inputs (all present) and one output. */
function expectArity(node: KernelNode, inputs: number): RuntimeTensor[] {
  expectCounts(node, inputs, 1);
  return node.inputs.map((_, k) => requiredInput(node, k));
}

/** The input and output of a one-input, one-output op. */
export function unaryOperands(node: KernelNode): { input: RuntimeTensor; output: RuntimeTensor } {
  const [x] = expectArity(node, 1);
  return { input: x!, output: node.outputs[0]! };
}

/**
 * The operands of a two-input op whose inputs and output share one element type (SUB, MUL,
 * DIV, MAXIMUM...), checked, with the broadcast walk planned up to `maxRank`.
 */
export function broadcastOperands(node: KernelNode, maxRank: number): { a: RuntimeTensor; b: RuntimeTensor; output: RuntimeTensor; plan: BroadcastPlan } {
  const { a, b, output } = binaryOperands(node);
  expectSameType(node, a, b);
  expectSameType(node, a, output);
  return { a, b, output, plan: planBinary(node, a, b, output, maxRank) };
}

/** The two inputs and the output of a two-input, one-output op. */
export function binaryOperands(node: KernelNode): { a: RuntimeTensor; b: RuntimeTensor; output: RuntimeTensor } {
  const [a, b] = expectArity(node, 2);
  return { a: a!, b: b!, output: node.outputs[0]! };
}
