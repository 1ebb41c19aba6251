import { int32ActivationRange } from '../activation-range.js';
import { broadcastOperands, float32ActivationClamp, float32Bits, flushDenormal, fusedActivation, nanResultBits } from '../elementwise-support.js';
import { InvalidInputError } from '../errors.js';
import { registerKernel } from '../registry.js';
import { describeNode, invalid } from './node-checks.js';

/** TFLite 2.9's DIV broadcasts up to 5-D (BroadcastDivSlow). */
const MAX_BROADCAST_RANK = 5;

/**
 * DIV: a / b with broadcasting and a fused activation. float32: IEEE division with denormals
 * flushed (a denormal divisor divides by zero), x/0 = ±inf clamped to ±FLT_MAX by TFLite's
 * activation range, 0/0 the x86 default NaN. int32: C division (truncation toward zero); a zero
 * divisor or INT32_MIN / −1 fails the run (they crash the TFLite runtime with SIGFPE).
 */
registerKernel({
  op: 'DIV',
  dtypes: ['float32', 'int32'],
  prepare(node) {
    const { a, b, output: out, plan } = broadcastOperands(node, MAX_BROADCAST_RANK);
    const { rows, inner, aStep, bStep, aOffsets, bOffsets } = plan;
    if (a.dtype === 'int32') {
      const x = a.data as Int32Array;
      const y = b.data as Int32Array;
      const o = out.data as Int32Array;
      const [lo, hi] = int32ActivationRange(fusedActivation(node.options));
      const fail = (what: string): never => {
        throw new InvalidInputError(`${describeNode(node)}: ${what} (TFLite's integer DIV would crash the process)`);
      };
      return () => {
        let n = 0;
        for (let r = 0; r < rows; r++) {
          let i = aOffsets[r]!;
          let j = bOffsets[r]!;
          for (let k = 0; k < inner; k++, i += aStep, j += bStep) {
            const divisor = y[j]!;
            if (divisor === 0) fail('division by zero');
            if (divisor === -1 && x[i] === -2147483648) fail('INT32_MIN / -1 overflows');
            const v = Math.trunc(x[i]! / divisor);
            o[n++] = v < lo ? lo : hi < v ? hi : v;
          }
        }
      };
    }
    if (a.dtype !== 'float32') throw invalid(node, `unsupported element type ${a.dtype}`);
    const [lo, hi] = float32ActivationClamp(fusedActivation(node.options));
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
          const v = flushDenormal(Math.fround(flushDenormal(x[i]!) / flushDenormal(y[j]!)));
          if (v !== v) ob[n++] = nanResultBits(xb[i]!, yb[j]!);
          else o[n++] = v < lo ? lo : hi < v ? hi : v;
        }
      }
    };
  },
});
