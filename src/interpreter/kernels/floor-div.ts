import { broadcastOperands, float32Bits, flushDenormal, nanResultBits } from '../elementwise-support.js';
import { InvalidInputError } from '../errors.js';
import { registerKernel } from '../registry.js';
import { describeNode, invalid } from './node-checks.js';

/** TFLite 2.9's FLOOR_DIV broadcasts up to 4-D (BroadcastBinaryFunction4DSlow). */
const MAX_BROADCAST_RANK = 4;

/**
 * FLOOR_DIV (int32, float32): floor(a / b) with broadcasting. TFLite divides in double and
 * floors, for int32 too (so quotients beyond 2^53 precision round as the double does), and
 * fails the run when any divisor is zero.
 */
registerKernel({
  op: 'FLOOR_DIV',
  dtypes: ['int32', 'float32'],
  prepare(node) {
    const { a, b, output: out, plan } = broadcastOperands(node, MAX_BROADCAST_RANK);
    if (a.dtype !== 'int32' && a.dtype !== 'float32') throw invalid(node, `unsupported element type ${a.dtype}`);
    const { rows, inner, aStep, bStep, aOffsets, bOffsets } = plan;
    const divisors = b.size;
    const zeroDivisor = (): never => {
      throw new InvalidInputError(`${describeNode(node)}: division by zero (a divisor in '${b.name}' is 0)`);
    };
    if (a.dtype === 'int32') {
      const x = a.data as Int32Array;
      const y = b.data as Int32Array;
      const o = out.data as Int32Array;
      return () => {
        for (let j = 0; j < divisors; j++) if (y[j] === 0) zeroDivisor();
        let n = 0;
        for (let r = 0; r < rows; r++) {
          let i = aOffsets[r]!;
          let j = bOffsets[r]!;
          // Stored as int32 the way x86 converts: 2^31 (INT32_MIN / −1) wraps to INT32_MIN.
          for (let k = 0; k < inner; k++, i += aStep, j += bStep) o[n++] = Math.floor(x[i]! / y[j]!);
        }
      };
    }
    const x = a.data as Float32Array;
    const y = b.data as Float32Array;
    const o = out.data as Float32Array;
    const [xb, yb, ob] = [float32Bits(x), float32Bits(y), float32Bits(o)];
    // The zero check and the division see float32 denormals as zeros (the runtime's DAZ flag).
    return () => {
      for (let j = 0; j < divisors; j++) if (flushDenormal(y[j]!) === 0) zeroDivisor();
      let n = 0;
      for (let r = 0; r < rows; r++) {
        let i = aOffsets[r]!;
        let j = bOffsets[r]!;
        for (let k = 0; k < inner; k++, i += aStep, j += bStep) {
          const v = Math.floor(flushDenormal(x[i]!) / flushDenormal(y[j]!));
          if (v !== v) ob[n++] = nanResultBits(xb[i]!, yb[j]!);
          else o[n++] = v;
        }
      }
    };
  },
});
