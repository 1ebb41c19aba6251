/**
 * MEAN over constant axes for uint8 and int8, as the TFLite 2.9 runtime computes it (three
 * different kernels, chosen by the case; measured against the runtime):
 * - uint8, 4-D input, axes {1, 2}, keep_dims (global average pooling): integer path, the raw
 *   sum times a multiplier for s_in / (count·s_out), plus zp_out − round(zp_in·s_in / s_out)
 *   (float32, halves away from zero).
 * - otherwise, when input and output share scale and zero point (and the case is not the int8
 *   4-D {1, 2} keep_dims one): sum / count in integers, truncated toward zero.
 * - otherwise: float path (QuantizedMeanOrSum): mean = float32(sum) / float32(count), then
 *   out = clamp(round(mean·r + (−zp_in·r)) + zp_out) with r = s_in / s_out, all in float32,
 *   rounding halves away from zero.
 */
import { fb } from '../../tflite/index.js';
import { integerRange } from '../activation-range.js';
import type { KernelNode, KernelRun } from '../kernel.js';
import { multiplyByQuantizedMultiplier, quantizeMultiplier, roundHalfAwayFromZero } from '../quantization-math.js';
import { registerKernel } from '../registry.js';
import { expectCounts, expectShape, expectType, invalid, optionsOf, perTensorQuantization, requiredInput, requiredOutput, unsupported } from './node-checks.js';

const f32 = Math.fround;

function prepareMean(node: KernelNode): KernelRun {
  expectCounts(node, [2, 2], 1);
  const inT = requiredInput(node, 0);
  const axisT = requiredInput(node, 1);
  const outT = requiredOutput(node, 0);
  const keepDims = optionsOf(node, fb.ReducerOptionsT).keepDims;
  expectType(node, inT, ['uint8', 'int8'], 'the input');
  expectType(node, axisT, ['int32'], 'the axis');
  expectType(node, outT, [inT.dtype], 'the output');
  if (!axisT.isConstant) throw unsupported(node, 'the axis is not a constant tensor');

  const rank = inT.shape.length;
  const reduced = new Set<number>();
  for (const a of axisT.data as Int32Array) {
    const axis = a < 0 ? a + rank : a;
    if (axis < 0 || axis >= rank) throw invalid(node, `axis ${a} is out of range for rank ${rank}`);
    reduced.add(axis);
  }
  const outShape = keepDims ? inT.shape.map((d, i) => (reduced.has(i) ? 1 : d)) : inT.shape.filter((_, i) => !reduced.has(i));
  expectShape(node, outT, outShape, 'the output');
  const count = inT.shape.reduce((n, d, i) => (reduced.has(i) ? n * d : n), 1);

  // Output index of every input element (row-major over the kept dimensions).
  const outIndex = new Int32Array(inT.size);
  const strides = new Array<number>(rank).fill(0);
  for (let i = rank - 1, s = 1; i >= 0; i--) {
    if (reduced.has(i)) continue;
    strides[i] = s;
    s *= inT.shape[i]!;
  }
  for (let e = 0; e < inT.size; e++) {
    let rest = e;
    let o = 0;
    for (let i = rank - 1; i >= 0; i--) {
      const d = inT.shape[i]!;
      const idx = rest % d;
      rest = (rest - idx) / d;
      o += idx * strides[i]!;
    }
    outIndex[e] = o;
  }

  const inQ = perTensorQuantization(node, inT, 'the input');
  const outQ = perTensorQuantization(node, outT, 'the output');
  const [qmin, qmax] = integerRange(outT.dtype);
  const x = inT.data as Uint8Array | Int8Array;
  const y = outT.data as Uint8Array | Int8Array;
  const sums = new Float64Array(outT.size);
  const n = inT.size;
  const accumulate = (): void => {
    sums.fill(0);
    for (let e = 0; e < n; e++) sums[outIndex[e]!] += x[e]!;
  };

  const spatial = keepDims && rank === 4 && reduced.size === 2 && reduced.has(1) && reduced.has(2);
  if (spatial && inT.dtype === 'uint8') {
    const zpTerm = f32(f32(inQ.zeroPoint * inQ.scale) / outQ.scale);
    const bias = outQ.zeroPoint - Math.trunc(zpTerm > 0 ? f32(zpTerm + 0.5) : f32(zpTerm - 0.5));
    const { multiplier, shift } = quantizeMultiplier(f32(inQ.scale / f32(count * outQ.scale)));
    return function meanGlobalPool(): void {
      accumulate();
      for (let o = 0; o < sums.length; o++) {
        const v = multiplyByQuantizedMultiplier(sums[o]!, multiplier, shift) + bias;
        y[o] = v < qmin ? qmin : v > qmax ? qmax : v;
      }
    };
  }

  if (!spatial && inQ.scale === outQ.scale && inQ.zeroPoint === outQ.zeroPoint) {
    return function meanSameQuantization(): void {
      accumulate();
      for (let o = 0; o < sums.length; o++) y[o] = Math.trunc(sums[o]! / count);
    };
  }

  const scale = f32(inQ.scale / outQ.scale);
  const bias = f32(-inQ.zeroPoint * scale);
  const countF = f32(count);
  const zpOut = outQ.zeroPoint;
  return function meanFloat(): void {
    accumulate();
    for (let o = 0; o < sums.length; o++) {
      const mean = f32(f32(sums[o]!) / countF);
      const v = roundHalfAwayFromZero(f32(f32(mean * scale) + bias)) + zpOut;
      y[o] = v < qmin ? qmin : v > qmax ? qmax : v;
    }
  };
}

registerKernel({ op: 'MEAN', dtypes: ['uint8', 'int8'], prepare: prepareMean });
