import { quantizedActivationRange, int32ActivationRange } from '../activation-range.js';
import { byteValues, broadcastOperands, float32ActivationClamp, float32Bits, flushDenormal, fusedActivation, isQuantized8, nanResultBits } from '../elementwise-support.js';
import { multiplyByQuantizedMultiplier, quantizeMultiplier } from '../quantization-math.js';
import { bytePairRun } from '../byte-pair-table.js';
import { registerKernel } from '../registry.js';
import type { KernelNode, KernelRun } from '../kernel.js';
import { tfliteBroadcastCategory, type BroadcastPlan } from '../broadcast.js';
import { invalid, perTensorQuantization } from './node-checks.js';

/** TFLite 2.9's MUL broadcasts up to 4-D (BroadcastMul4DSlow). */
const MAX_BROADCAST_RANK = 4;

/**
 * MUL: a · b with broadcasting and a fused activation. int32 wraps. float32 as the runtime's
 * SSE code computes it (denormals flushed, results clamped to ±FLT_MAX even without an
 * activation, NaN payloads by operand order). uint8/int8 multiply the zero-point-free values
 * in int32 and requantize once with s_a · s_b / s_out (product and quotient taken in float32,
 * as TFLite does) using gemmlowp's rounding; the run looks the result up per byte pair.
 */
registerKernel({
  op: 'MUL',
  dtypes: ['float32', 'int32', 'uint8', 'int8'],
  prepare(node) {
    const { a, b, output: out, plan } = broadcastOperands(node, MAX_BROADCAST_RANK);
    const activation = fusedActivation(node.options);
    const { rows, inner, aStep, bStep, aOffsets, bOffsets } = plan;

    if (a.dtype === 'float32') {
      const x = a.data as Float32Array;
      const y = b.data as Float32Array;
      const o = out.data as Float32Array;
      const [xb, yb, ob] = [float32Bits(x), float32Bits(y), float32Bits(o)];
      const [lo, hi] = float32ActivationClamp(activation);
      // Which operand the runtime's multiply instruction takes first depends on its broadcast
      // path (it swaps inputs when the second one repeats); that operand's NaN wins over the other's.
      const category = tfliteBroadcastCategory(a.shape, b.shape);
      const bFirst = category === 'none' || category === 'first-fast';
      return () => {
        let n = 0;
        for (let r = 0; r < rows; r++) {
          let i = aOffsets[r]!;
          let j = bOffsets[r]!;
          for (let k = 0; k < inner; k++, i += aStep, j += bStep) {
            const v = flushDenormal(Math.fround(flushDenormal(x[i]!) * flushDenormal(y[j]!)));
            if (v !== v) ob[n++] = bFirst ? nanResultBits(yb[j]!, xb[i]!) : nanResultBits(xb[i]!, yb[j]!);
            else o[n++] = v < lo ? lo : hi < v ? hi : v;
          }
        }
      };
    }
    if (a.dtype === 'int32') {
      const x = a.data as Int32Array;
      const y = b.data as Int32Array;
      const o = out.data as Int32Array;
      const [lo, hi] = int32ActivationRange(activation);
      return () => {
        let n = 0;
        for (let r = 0; r < rows; r++) {
          let i = aOffsets[r]!;
          let j = bOffsets[r]!;
          for (let k = 0; k < inner; k++, i += aStep, j += bStep) {
            const v = Math.imul(x[i]!, y[j]!);
            o[n++] = v < lo ? lo : hi < v ? hi : v;
          }
        }
      };
    }
    if (isQuantized8(a.dtype)) return prepareQuantized(node, plan);
    throw invalid(node, `unsupported element type ${a.dtype}`);
  },
});

function prepareQuantized(node: KernelNode, plan: BroadcastPlan): KernelRun {
  const a = node.inputs[0]!;
  const b = node.inputs[1]!;
  const out = node.outputs[0]!;
  const dtype = a.dtype as 'uint8' | 'int8';
  const qa = perTensorQuantization(node, a);
  const qb = perTensorQuantization(node, b);
  const qo = perTensorQuantization(node, out);
  const m = quantizeMultiplier(Math.fround(Math.fround(qa.scale * qb.scale) / qo.scale));
  const values = byteValues(dtype);
  const offsetA = new Int32Array(256);
  const offsetB = new Int32Array(256);
  for (let byte = 0; byte < 256; byte++) {
    offsetA[byte] = values[byte]! - qa.zeroPoint;
    offsetB[byte] = values[byte]! - qb.zeroPoint;
  }
  const [lo, hi] = quantizedActivationRange(fusedActivation(node.options), dtype, qo.scale, qo.zeroPoint);
  const zo = qo.zeroPoint;
  const multiplier = m.multiplier;
  const shift = m.shift;
  return bytePairRun(plan, a, b, out, (xByte, yByte) => {
    const v = multiplyByQuantizedMultiplier(offsetA[xByte]! * offsetB[yByte]!, multiplier, shift) + zo;
    return (v < lo ? lo : hi < v ? hi : v) & 255;
  });
}
