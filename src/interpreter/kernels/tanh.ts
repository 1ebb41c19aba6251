import { eigenTanh, SSE_FLOATS } from '../eigen-float-math.js';
import { unaryOperands, float32Bits, isQuantized8, nanResultBits } from '../elementwise-support.js';
import { populateLookupTable } from '../lookup-table.js';
import { registerKernel } from '../registry.js';
import { expectSameType, expectShape, invalid, perTensorQuantization } from './node-checks.js';

/**
 * TANH. uint8/int8: a 256-entry table of float32 tanh (TFLite 2.9's generic optimized kernel
 * builds this LUT; any output quantization is accepted). float32: Eigen's fast rational tanh,
 * packet path for the first floor(n/4)·4 elements, scalar path after.
 */
registerKernel({
  op: 'TANH',
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
      // Only a NaN input gives NaN: it comes out quieted, payload kept. A tiny input is returned
      // as it is: the packet path has flushed a denormal to zero by then (DAZ), while the scalar
      // tail keeps its bits.
      return () => {
        for (let i = 0; i < size; i++) {
          const bits = xb[i]!;
          if (i >= packetEnd && (bits & 0x7f800000) === 0) {
            yb[i] = bits;
            continue;
          }
          const v = eigenTanh(x[i]!);
          if (v !== v) yb[i] = nanResultBits(bits, bits);
          else y[i] = v;
        }
      };
    }
    const dtype = input.dtype;
    if (!isQuantized8(dtype)) throw invalid(node, `unsupported element type ${dtype}`);
    const table = populateLookupTable(dtype, perTensorQuantization(node, input), perTensorQuantization(node, output), (v) => Math.tanh(v));
    const x = input.bytes;
    const y = output.bytes;
    return () => {
      for (let i = 0; i < size; i++) y[i] = table[x[i]!]!;
    };
  },
});
