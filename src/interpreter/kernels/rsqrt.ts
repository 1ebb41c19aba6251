import { unaryOperands, float32Bits, flushDenormal, nanResultBits } from '../elementwise-support.js';
import { InvalidInputError } from '../errors.js';
import { invSqrtQuantizedMultiplier } from '../inv-sqrt-multiplier.js';
import { multiplyByQuantizedMultiplier, quantizeMultiplier } from '../quantization-math.js';
import { registerKernel } from '../registry.js';
import { describeNode, expectSameType, expectShape, invalid, perTensorQuantization } from './node-checks.js';

/** int8 RSQRT computes 1/sqrt(v) as an integer scaled by 2^20 before requantizing. */
const INTERMEDIATE_SHIFT = 20;

/**
 * RSQRT. float32: 1 / sqrt(x) in float32 (denormals read as zeros). int8: for v = q − zp_in,
 * TFLite takes GetInvSqrtQuantizedMultiplierExp(v), turns it into 2^20/sqrt(v) and rescales
 * by 1 / (sqrt(s_in) · s_out) (float32 product); v = 0 gives 127, and v < 0 fails the run.
 * The result depends on the input byte only, so the run is a table lookup.
 */
registerKernel({
  op: 'RSQRT',
  dtypes: ['float32', 'int8'],
  prepare(node) {
    const { input, output } = unaryOperands(node);
    expectSameType(node, input, output);
    expectShape(node, output, input.shape);
    const size = input.size;
    if (input.dtype === 'float32') {
      const x = input.data as Float32Array;
      const y = output.data as Float32Array;
      const [xb, yb] = [float32Bits(x), float32Bits(y)];
      return () => {
        for (let i = 0; i < size; i++) {
          const v = flushDenormal(Math.fround(1 / Math.fround(Math.sqrt(flushDenormal(x[i]!)))));
          if (v !== v) yb[i] = nanResultBits(xb[i]!, xb[i]!);
          else y[i] = v;
        }
      };
    }
    if (input.dtype !== 'int8') throw invalid(node, `unsupported element type ${input.dtype}`);
    const qi = perTensorQuantization(node, input);
    const qo = perTensorQuantization(node, output);
    const out = quantizeMultiplier(1 / Math.fround(Math.fround(Math.sqrt(qi.scale)) * qo.scale));
    const inverse = new Int32Array(2);
    // table[byte] = output byte, or -1 where the input is below the zero point (an error in TFLite).
    const table = new Int16Array(256);
    for (let byte = 0; byte < 256; byte++) {
      const value = ((byte << 24) >> 24) - qi.zeroPoint;
      if (value < 0) {
        table[byte] = -1;
        continue;
      }
      if (value === 0) {
        table[byte] = 127;
        continue;
      }
      invSqrtQuantizedMultiplier(value, -1, inverse);
      const scaled = multiplyByQuantizedMultiplier(1, inverse[0]!, inverse[1]! + INTERMEDIATE_SHIFT);
      const v = multiplyByQuantizedMultiplier(scaled, out.multiplier, out.shift - INTERMEDIATE_SHIFT) + qo.zeroPoint;
      table[byte] = (v < -128 ? -128 : v > 127 ? 127 : v) & 255;
    }
    const x = input.bytes;
    const y = output.bytes;
    return () => {
      for (let i = 0; i < size; i++) {
        const q = table[x[i]!]!;
        if (q < 0) throw new InvalidInputError(`${describeNode(node)}: RSQRT of a negative value (element ${i} of '${input.name}' is below its zero point ${qi.zeroPoint})`);
        y[i] = q;
      }
    };
  },
});
