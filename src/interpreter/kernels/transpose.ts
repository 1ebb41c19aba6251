import { type DType } from '../../tflite/index.js';
import { registerKernel } from '../registry.js';
import { constantIntegers } from '../static-operands.js';
import { StridedCopy, rawViews, stridesOf } from '../strided-copy.js';
import { expectShape, invalid, sameTypeOperands } from './node-checks.js';

const DTYPES: readonly DType[] = ['float32', 'uint8', 'int8', 'int16', 'int32', 'int64', 'bool'];
/** TFLite 2.9 transposes up to 5 dimensions. */
const MAX_RANK = 5;

/** TRANSPOSE: output axis k is input axis perm[k]. */
registerKernel({
  op: 'TRANSPOSE',
  dtypes: DTYPES,
  prepare(node) {
    const { input, output } = sameTypeOperands(node, 2, DTYPES);
    const rank = input.shape.length;
    if (rank > MAX_RANK) throw invalid(node, `input has rank ${rank}; at most ${MAX_RANK} is supported`);
    const perm = constantIntegers(node, 1, 'perm').map((p) => (p < 0 ? p + rank : p));
    if (perm.length !== rank || new Set(perm).size !== rank || perm.some((p) => p < 0 || p >= rank)) {
      throw invalid(node, `perm [${perm.join(', ')}] is not a permutation of the ${rank} input axes`);
    }
    const outShape = perm.map((p) => input.shape[p]!);
    expectShape(node, output, outShape);
    const inStrides = stridesOf(input.shape);
    const [src, dst] = rawViews([input, output]);
    const copy = new StridedCopy(outShape, perm.map((p) => inStrides[p]!), stridesOf(outShape), src!.wordsPerElement);
    return () => copy.run(src!.words, 0, dst!.words, 0, src!.wordsPerElement);
  },
});
