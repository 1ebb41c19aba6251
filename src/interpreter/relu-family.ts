import { fb } from '../tflite/index.js';
import { quantizedActivationRange } from './activation-range.js';
import { SSE_FLOATS } from './eigen-float-math.js';
import { byteValues, unaryOperands, isQuantized8 } from './elementwise-support.js';
import type { KernelRun } from './kernel.js';
import { multiplyByQuantizedMultiplier, quantizeMultiplier } from './quantization-math.js';
import { registerKernel } from './registry.js';
import { expectSameType, expectShape, invalid, perTensorQuantization } from './kernels/node-checks.js';

type ReluOp = 'RELU' | 'RELU6' | 'RELU_N1_TO_1';

/** The fused activation whose clamp each standalone op applies to quantized values. */
const CLAMP_OF: Record<ReluOp, fb.ActivationFunctionType> = {
  RELU: fb.ActivationFunctionType.RELU,
  RELU6: fb.ActivationFunctionType.RELU6,
  RELU_N1_TO_1: fb.ActivationFunctionType.RELU_N1_TO_1,
};

/**
 * RELU, RELU6 and RELU_N1_TO_1 as standalone ops.
 *
 * uint8/int8 (TFLite's QuantizedReluX): requantize (q − zp_in) by s_in / s_out (the quotient in
 * float32) with gemmlowp rounding, add zp_out, clamp to zp_out + round(bound / s_out) within the
 * type. The output depends on the input byte only, so it is a 256-entry table.
 *
 * float32, bit for bit as the 2.9 x86-64 runtime (SSE, denormals-are-zero) produces it:
 * RELU is Eigen's max(x, 0) — NaN and −0 pass through; a denormal becomes a signed zero in the
 * 4-float packets but passes through in the last size mod 4 elements. RELU_N1_TO_1 clamps to
 * [−1, 1] with NaN passing through; there denormals pass through in the packets and become
 * signed zeros in the tail. RELU6 is min(max(0, x), 6) with `0 < x ? x : 0` first, so NaN,
 * −0 and denormals all give +0.
 */
export function registerReluFamily(op: ReluOp): void {
  registerKernel({
    op,
    dtypes: ['float32', 'uint8', 'int8'],
    prepare(node) {
      const { input, output } = unaryOperands(node);
      expectSameType(node, input, output);
      expectShape(node, output, input.shape);
      const size = input.size;
      if (input.dtype === 'float32') {
        const x = input.data as Float32Array;
        const xb = new Uint32Array(x.buffer, x.byteOffset, x.length);
        const y = output.data as Float32Array;
        const yb = new Uint32Array(y.buffer, y.byteOffset, y.length);
        return floatRun(op, x, xb, y, yb, size);
      }
      const dtype = input.dtype;
      if (!isQuantized8(dtype)) throw invalid(node, `unsupported element type ${dtype}`);
      const qi = perTensorQuantization(node, input);
      const qo = perTensorQuantization(node, output);
      const m = quantizeMultiplier(Math.fround(qi.scale / qo.scale));
      const [lo, hi] = quantizedActivationRange(CLAMP_OF[op], dtype, qo.scale, qo.zeroPoint);
      const values = byteValues(dtype);
      const table = new Uint8Array(256);
      for (let byte = 0; byte < 256; byte++) {
        const v = qo.zeroPoint + multiplyByQuantizedMultiplier(values[byte]! - qi.zeroPoint, m.multiplier, m.shift);
        table[byte] = (v < lo ? lo : v > hi ? hi : v) & 255;
      }
      const xq = input.bytes;
      const yq = output.bytes;
      return () => {
        for (let i = 0; i < size; i++) yq[i] = table[xq[i]!]!;
      };
    },
  });
}

/** Exponent bits all zero: a zero or a denormal. */
const isZeroOrDenormal = (bits: number): boolean => (bits & 0x7f800000) === 0;
const signOf = (bits: number): number => bits & 0x80000000;
const ONE = 0x3f800000;
const MINUS_ONE = 0xbf800000;

function floatRun(op: ReluOp, x: Float32Array, xb: Uint32Array, y: Float32Array, yb: Uint32Array, size: number): KernelRun {
  const packetEnd = size - (size % SSE_FLOATS);
  if (op === 'RELU6') {
    return () => {
      for (let i = 0; i < size; i++) {
        const v = isZeroOrDenormal(xb[i]!) ? 0 : x[i]!;
        const lowered = 0 < v ? v : 0;
        y[i] = 6 < lowered ? 6 : lowered;
      }
    };
  }
  if (op === 'RELU') {
    return () => {
      for (let i = 0; i < size; i++) {
        const bits = xb[i]!;
        if (isZeroOrDenormal(bits)) yb[i] = i < packetEnd ? signOf(bits) : bits;
        else yb[i] = x[i]! < 0 ? 0 : bits;
      }
    };
  }
  return () => {
    for (let i = 0; i < size; i++) {
      const bits = xb[i]!;
      if (isZeroOrDenormal(bits)) yb[i] = i < packetEnd ? bits : signOf(bits);
      else {
        const v = x[i]!;
        yb[i] = v > 1 ? ONE : v < -1 ? MINUS_ONE : bits;
      }
    }
  };
}
