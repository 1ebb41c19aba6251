import { binaryOperands, expectType, float32ActivationClamp, float32Bits, flushDenormal, fusedActivation, nanResultBits, planBinary } from '../elementwise-support.js';
import { registerKernel } from '../registry.js';
import { expectSameDtype } from '../static-operands.js';

/** TFLite 2.9's DIV broadcasts up to 5-D (BroadcastDivSlow). */
const MAX_BROADCAST_RANK = 5;

/**
 * DIV (float32): a / b with broadcasting and a fused activation; IEEE division (x/0 is ±inf,
 * then clamped to ±FLT_MAX by TFLite's activation range, 0/0 is NaN).
 */
registerKernel({
  op: 'DIV',
  dtypes: ['float32'],
  prepare(node) {
    const { a, b, output: out } = binaryOperands(node);
    expectType(node, a, 'float32', 'input');
    expectSameDtype(node, a, b);
    expectSameDtype(node, a, out);
    const { rows, inner, aStep, bStep, aOffsets, bOffsets } = planBinary(node, a, b, out, MAX_BROADCAST_RANK);
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
