import { unaryOperands, float32Bits, flushDenormal, nanResultBits } from '../elementwise-support.js';
import { registerKernel } from '../registry.js';
import { expectSameType, expectShape } from './node-checks.js';

/** SQRT (float32): IEEE square root with denormal inputs read as zeros (the runtime's DAZ flag). */
registerKernel({
  op: 'SQRT',
  dtypes: ['float32'],
  prepare(node) {
    const { input, output } = unaryOperands(node);
    expectSameType(node, input, output);
    expectShape(node, output, input.shape);
    const x = input.data as Float32Array;
    const y = output.data as Float32Array;
    const size = input.size;
    const [xb, yb] = [float32Bits(x), float32Bits(y)];
    // NaN in gives it back quieted; a negative input gives the default NaN.
    return () => {
      for (let i = 0; i < size; i++) {
        const v = Math.sqrt(flushDenormal(x[i]!));
        if (v !== v) yb[i] = nanResultBits(xb[i]!, xb[i]!);
        else y[i] = v;
      }
    };
  },
});
