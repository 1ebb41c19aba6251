import { broadcastOperands, float32Bits, flushDenormal, nanResultBits } from '../elementwise-support.js';
import { multiplyByQuantizedMultiplierSmallerThanOne, quantizeMultiplier } from '../quantization-math.js';
import { bytePairRun } from '../byte-pair-table.js';
import { registerKernel } from '../registry.js';
import type { KernelNode, KernelRun } from '../kernel.js';
import type { BroadcastPlan } from '../broadcast.js';
import { invalid, perTensorQuantization } from './node-checks.js';

/** TFLite's SQUARED_DIFFERENCE broadcasts up to 4-D (BroadcastBinaryFunction4DSlow). */
const MAX_BROADCAST_RANK = 4;
/** int8 inputs are shifted left this far before rescaling to the common scale. */
const LEFT_SHIFT = 7;

/**
 * SQUARED_DIFFERENCE: (a − b)² with broadcasting, no fused activation. float32 squares the
 * float32 difference; int32 wraps. int8 brings both inputs to the scale 2·max(s_a, s_b) / 2^7,
 * squares the difference there and rescales by (2·max)² / (2^14 · s_out), each step with
 * gemmlowp's rounding (TFLite 2.9 has no uint8 variant).
 */
registerKernel({
  op: 'SQUARED_DIFFERENCE',
  dtypes: ['float32', 'int32', 'int8'],
  prepare(node) {
    const { a, b, output: out, plan } = broadcastOperands(node, MAX_BROADCAST_RANK);
    const { rows, inner, aStep, bStep, aOffsets, bOffsets } = plan;

    if (a.dtype === 'float32') {
      const x = a.data as Float32Array;
      const y = b.data as Float32Array;
      const o = out.data as Float32Array;
      const [xb, yb, ob] = [float32Bits(x), float32Bits(y), float32Bits(o)];
      return () => {
        let n = 0;
        for (let r = 0; r < rows; r++) {
          let i = aOffsets[r]!;
          let j = bOffsets[r]!;
          for (let k = 0; k < inner; k++, i += aStep, j += bStep) {
            const d = flushDenormal(Math.fround(flushDenormal(x[i]!) - flushDenormal(y[j]!)));
            if (d !== d) ob[n++] = nanResultBits(xb[i]!, yb[j]!);
            else o[n++] = flushDenormal(Math.fround(d * d));
          }
        }
      };
    }
    if (a.dtype === 'int32') {
      const x = a.data as Int32Array;
      const y = b.data as Int32Array;
      const o = out.data as Int32Array;
      return () => {
        let n = 0;
        for (let r = 0; r < rows; r++) {
          let i = aOffsets[r]!;
          let j = bOffsets[r]!;
          for (let k = 0; k < inner; k++, i += aStep, j += bStep) {
            const d = (x[i]! - y[j]!) | 0;
            o[n++] = Math.imul(d, d);
          }
        }
      };
    }
    if (a.dtype === 'int8') return prepareInt8(node, plan);
    throw invalid(node, `unsupported element type ${a.dtype}`);
  },
});

function prepareInt8(node: KernelNode, plan: BroadcastPlan): KernelRun {
  const a = node.inputs[0]!;
  const b = node.inputs[1]!;
  const out = node.outputs[0]!;
  const qa = perTensorQuantization(node, a);
  const qb = perTensorQuantization(node, b);
  const qo = perTensorQuantization(node, out);
  const twiceMax = Math.fround(2 * Math.max(qa.scale, qb.scale));
  const realOut = (twiceMax * twiceMax) / Math.fround((1 << (2 * LEFT_SHIFT)) * qo.scale);
  if (!(realOut < 1)) {
    throw invalid(node, `output scale ${qo.scale} is too small for input scales ${qa.scale} and ${qb.scale} (TFLite requires (2·max(input scales))² < 2^14 · output scale)`);
  }
  const ma = quantizeMultiplier(qa.scale / twiceMax);
  const mb = quantizeMultiplier(qb.scale / twiceMax);
  const mo = quantizeMultiplier(realOut);
  const scaledA = new Int32Array(256);
  const scaledB = new Int32Array(256);
  for (let byte = 0; byte < 256; byte++) {
    const v = (byte << 24) >> 24;
    scaledA[byte] = multiplyByQuantizedMultiplierSmallerThanOne((v - qa.zeroPoint) * (1 << LEFT_SHIFT), ma.multiplier, ma.shift);
    scaledB[byte] = multiplyByQuantizedMultiplierSmallerThanOne((v - qb.zeroPoint) * (1 << LEFT_SHIFT), mb.multiplier, mb.shift);
  }
  const zo = qo.zeroPoint;
  const outM = mo.multiplier;
  const outShift = mo.shift;
  return bytePairRun(plan, a, b, out, (xByte, yByte) => {
    const d = scaledA[xByte]! - scaledB[yByte]!;
    const v = multiplyByQuantizedMultiplierSmallerThanOne(d * d, outM, outShift) + zo;
    return (v < -128 ? -128 : v > 127 ? 127 : v) & 255;
  });
}
