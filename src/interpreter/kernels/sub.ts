import { quantizedActivationRange, int32ActivationRange } from '../activation-range.js';
import { byteValues, broadcastOperands, float32ActivationClamp, float32Bits, flushDenormal, fusedActivation, isQuantized8, nanResultBits } from '../elementwise-support.js';
import { multiplyByQuantizedMultiplierSmallerThanOne, quantizeMultiplier } from '../quantization-math.js';
import { bytePairRun } from '../byte-pair-table.js';
import { registerKernel } from '../registry.js';
import type { BroadcastPlan } from '../broadcast.js';
import type { KernelNode, KernelRun } from '../kernel.js';
import { wasmAddQuantized } from '../wasm/add.js';
import { invalid, perTensorQuantization } from './node-checks.js';

/** TFLite's SUB broadcasts up to 5-D (reference BroadcastSubSlow). */
const MAX_BROADCAST_RANK = 5;
/** 8-bit inputs are shifted left this far before rescaling, as in ADD. */
const LEFT_SHIFT = 20;

/**
 * SUB: a − b with broadcasting and a fused activation. int32 wraps. float32 is computed as
 * the runtime's SSE code does: denormals flushed (FTZ/DAZ), the result clamped to ±FLT_MAX
 * even without an activation (TFLite's float activation range), NaN payloads as x86 produces
 * them. uint8/int8 follow TFLite's 8-bit ADD arithmetic with b's multiplier negated: both
 * inputs are brought to a common scale 2·max(s_a, s_b) / 2^20 and the sum is rescaled to the
 * output, each step with gemmlowp's rounding; the run looks the result up per byte pair.
 */
registerKernel({
  op: 'SUB',
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
      return () => {
        let n = 0;
        for (let r = 0; r < rows; r++) {
          let i = aOffsets[r]!;
          let j = bOffsets[r]!;
          for (let k = 0; k < inner; k++, i += aStep, j += bStep) {
            const v = flushDenormal(Math.fround(flushDenormal(x[i]!) - flushDenormal(y[j]!)));
            if (v !== v) ob[n++] = nanResultBits(xb[i]!, yb[j]!);
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
            const v = (x[i]! - y[j]!) | 0;
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
  // Scales are float32; TFLite doubles the larger one in float32 and divides in double.
  const twiceMax = Math.fround(2 * Math.max(qa.scale, qb.scale));
  const realA = qa.scale / twiceMax;
  const realB = qb.scale / twiceMax;
  const realOut = twiceMax / Math.fround((1 << LEFT_SHIFT) * qo.scale);
  if (!(realOut < 1)) {
    throw invalid(node, `output scale ${qo.scale} is too small for input scales ${qa.scale} and ${qb.scale} (TFLite requires 2·max(input scales) < 2^20 · output scale)`);
  }
  const ma = quantizeMultiplier(realA);
  const mb = quantizeMultiplier(realB);
  const mo = quantizeMultiplier(realOut);
  // Each input byte maps to its rescaled value once: the run only adds and requantizes.
  const values = byteValues(dtype);
  const scaledA = new Int32Array(256);
  const scaledB = new Int32Array(256);
  for (let byte = 0; byte < 256; byte++) {
    scaledA[byte] = multiplyByQuantizedMultiplierSmallerThanOne((values[byte]! - qa.zeroPoint) * (1 << LEFT_SHIFT), ma.multiplier, ma.shift);
    scaledB[byte] = multiplyByQuantizedMultiplierSmallerThanOne((values[byte]! - qb.zeroPoint) * (1 << LEFT_SHIFT), -mb.multiplier, mb.shift);
  }
  const [lo, hi] = quantizedActivationRange(fusedActivation(node.options), dtype, qo.scale, qo.zeroPoint);
  const zo = qo.zeroPoint;
  const outM = mo.multiplier;
  const outShift = mo.shift;
  // ADD's WebAssembly kernel computes the same bytes (the sum with b's scaled values negated).
  const simd = wasmAddQuantized({ a, b, output: out, layout: plan, scaledA, scaledB, outputMultiplier: outM, outputShift: -outShift, outputZeroPoint: zo, activationMin: lo, activationMax: hi });
  if (simd) return simd;
  return bytePairRun(plan, a, b, out, (xByte, yByte) => {
    const v = multiplyByQuantizedMultiplierSmallerThanOne(scaledA[xByte]! + scaledB[yByte]!, outM, outShift) + zo;
    return (v < lo ? lo : hi < v ? hi : v) & 255;
  });
}
