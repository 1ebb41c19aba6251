import { logisticPacket, logisticScalar, SSE_FLOATS } from '../eigen-float-math.js';
import { unaryOperands, float32Bits, isQuantized8, nanResultBits } from '../elementwise-support.js';
import { libmExpf } from '../libm-expf.js';
import { populateLookupTable } from '../lookup-table.js';
import { registerKernel } from '../registry.js';
import { expectSameType, expectShape, invalid, perTensorQuantization } from './node-checks.js';

/**
 * LOGISTIC (sigmoid). uint8/int8: a 256-entry table of float32 1 / (1 + e^−x) (TFLite
 * requires the output scale to be exactly 1/256). float32: Eigen's exp-based logistic as the
 * 2.9 runtime evaluates it, packet path for the first floor(n/4)·4 elements, scalar path after.
 */
registerKernel({
  op: 'LOGISTIC',
  dtypes: ['float32', 'uint8', 'int8'],
  prepare(node) {
    const { input, output } = unaryOperands(node);
    expectSameType(node, input, output);
    expectShape(node, output, input.shape);
    const size = input.size;
    if (input.dtype === 'float32') {
      const x = input.data as Float32Array;
      const y = output.data as Float32Array;
      const [xb, yb] = [float32Bits(x), float32Bits(y)];
      const packetEnd = size - (size % SSE_FLOATS);
      // Only a NaN input gives NaN: it comes out quieted, payload kept.
      return () => {
        for (let i = 0; i < size; i++) {
          const v = i < packetEnd ? logisticPacket(x[i]!) : logisticScalar(x[i]!);
          if (v !== v) yb[i] = nanResultBits(xb[i]!, xb[i]!);
          else y[i] = v;
        }
      };
    }
    const dtype = input.dtype;
    if (!isQuantized8(dtype)) throw invalid(node, `unsupported element type ${dtype}`);
    const qi = perTensorQuantization(node, input);
    const qo = perTensorQuantization(node, output);
    if (qo.scale !== 1 / 256) {
      throw invalid(node, `output scale is ${qo.scale}; TFLite's quantized LOGISTIC requires exactly 1/256`);
    }
    const table = populateLookupTable(dtype, qi, qo, (v) => 1 / Math.fround(1 + libmExpf(-v)));
    const x = input.bytes;
    const y = output.bytes;
    return () => {
      for (let i = 0; i < size; i++) y[i] = table[x[i]!]!;
    };
  },
});
