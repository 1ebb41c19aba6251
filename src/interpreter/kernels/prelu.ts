import { tfliteBroadcastCategory } from '../broadcast.js';
import { byteValues, binaryOperands, float32Bits, flushDenormal, isQuantized8, nanResultBits, planBinary } from '../elementwise-support.js';
import { bytePairRun } from '../byte-pair-table.js';
import { multiplyByQuantizedMultiplier, quantizeMultiplier } from '../quantization-math.js';
import { registerKernel } from '../registry.js';
import { expectSameType, expectShape, invalid, perTensorQuantization } from './node-checks.js';

/**
 * TFLite 2.9 broadcasts a uint8/int8 alpha up to 4-D only (BroadcastPrelu4DSlow). The float32
 * path goes through the optimized five-fold broadcast, which takes any rank, and falls back to
 * the 4-D loop for patterns it cannot handle. Beyond those the runtime aborts.
 */
const MAX_SLOW_BROADCAST_RANK = 4;

/**
 * PRELU: x ≥ 0 ? x : x · alpha, alpha broadcast against x (the output has x's shape).
 * uint8/int8 requantize with two multipliers, s_x / s_out for the identity branch and
 * s_x · s_alpha / s_out for the product branch (each quotient in float32, as TFLite takes
 * them), gemmlowp rounding, then add zp_out and clamp to the type; the run looks the result
 * up per (x, alpha) byte pair.
 */
registerKernel({
  op: 'PRELU',
  dtypes: ['float32', 'uint8', 'int8'],
  prepare(node) {
    const { a: input, b: alpha, output } = binaryOperands(node);
    expectSameType(node, input, alpha);
    expectSameType(node, input, output);
    expectShape(node, output, input.shape);
    const fiveFold = input.dtype === 'float32' && tfliteBroadcastCategory(input.shape, alpha.shape) !== 'generic';
    const plan = planBinary(node, input, alpha, output, fiveFold ? Infinity : MAX_SLOW_BROADCAST_RANK);

    if (input.dtype === 'float32') {
      const { rows, inner, aStep, bStep, aOffsets, bOffsets } = plan;
      const x = input.data as Float32Array;
      const a = alpha.data as Float32Array;
      const y = output.data as Float32Array;
      const [xb, ab, yb] = [float32Bits(x), float32Bits(a), float32Bits(y)];
      // TFLite tests x >= 0.0 in double (a denormal x reads as zero there, DAZ) and then returns
      // x itself, so non-negative denormals and −0 keep their bits; the product is a float32
      // multiplication under DAZ/FTZ.
      return () => {
        let n = 0;
        for (let r = 0; r < rows; r++) {
          let i = aOffsets[r]!;
          let j = bOffsets[r]!;
          for (let k = 0; k < inner; k++, i += aStep, j += bStep) {
            const v = flushDenormal(x[i]!);
            if (v >= 0) yb[n++] = xb[i]!;
            else {
              const p = flushDenormal(Math.fround(v * flushDenormal(a[j]!)));
              if (p !== p) yb[n++] = nanResultBits(xb[i]!, ab[j]!);
              else y[n++] = p;
            }
          }
        }
      };
    }
    const dtype = input.dtype;
    if (!isQuantized8(dtype)) throw invalid(node, `unsupported element type ${dtype}`);
    const qx = perTensorQuantization(node, input);
    const qa = perTensorQuantization(node, alpha);
    const qo = perTensorQuantization(node, output);
    const identity = quantizeMultiplier(Math.fround(qx.scale / qo.scale));
    const product = quantizeMultiplier(Math.fround(Math.fround(qx.scale * qa.scale) / qo.scale));
    const values = byteValues(dtype);
    const offsetX = new Int32Array(256);
    const offsetA = new Int32Array(256);
    // The identity branch depends on x alone: tabulate its output byte (−1 marks the product branch).
    const identityOut = new Int32Array(256);
    const [min, max] = dtype === 'uint8' ? [0, 255] : [-128, 127];
    for (let byte = 0; byte < 256; byte++) {
      offsetX[byte] = values[byte]! - qx.zeroPoint;
      offsetA[byte] = values[byte]! - qa.zeroPoint;
      if (offsetX[byte]! >= 0) {
        const v = qo.zeroPoint + multiplyByQuantizedMultiplier(offsetX[byte]!, identity.multiplier, identity.shift);
        identityOut[byte] = (v < min ? min : v > max ? max : v) & 255;
      } else identityOut[byte] = -1;
    }
    const zo = qo.zeroPoint;
    const pm = product.multiplier;
    const ps = product.shift;
    return bytePairRun(plan, input, alpha, output, (xByte, alphaByte) => {
      const identityByte = identityOut[xByte]!;
      if (identityByte >= 0) return identityByte;
      const v = zo + multiplyByQuantizedMultiplier(offsetX[xByte]! * offsetA[alphaByte]!, pm, ps);
      return (v < min ? min : v > max ? max : v) & 255;
    });
  },
});
