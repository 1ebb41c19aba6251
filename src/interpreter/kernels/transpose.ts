import { InvalidModelError, type DType } from '../../tflite/index.js';
import { registerKernel } from '../registry.js';
import { constantIntegers, describeNode, expectCounts, expectDtype, expectSameDtype, expectShape, requiredInput } from '../static-operands.js';
import { StridedCopy, rawViews, stridesOf } from '../strided-copy.js';

const DTYPES: readonly DType[] = ['float32', 'uint8', 'int8', 'int16', 'int32', 'int64', 'bool'];
/** TFLite 2.9 transposes up to 5 dimensions. */
const MAX_RANK = 5;

/** TRANSPOSE: output axis k is input axis perm[k]. */
registerKernel({
  op: 'TRANSPOSE',
  dtypes: DTYPES,
  prepare(node) {
    expectCounts(node, 2, 1);
    const input = requiredInput(node, 0);
    const output = node.outputs[0]!;
    expectDtype(node, input, DTYPES, 'input');
    expectSameDtype(node, input, output);
    const rank = input.shape.length;
    if (rank > MAX_RANK) throw new InvalidModelError(`${describeNode(node)}: input has rank ${rank}; at most ${MAX_RANK} is supported`);
    const perm = constantIntegers(node, 1, 'perm').map((p) => (p < 0 ? p + rank : p));
    if (perm.length !== rank || new Set(perm).size !== rank || perm.some((p) => p < 0 || p >= rank)) {
      throw new InvalidModelError(`${describeNode(node)}: perm [${perm.join(', ')}] is not a permutation of the ${rank} input axes`);
    }
    const outShape = perm.map((p) => input.shape[p]!);
    expectShape(node, output, outShape);
    const inStrides = stridesOf(input.shape);
    const [src, dst] = rawViews([input, output]);
    const copy = new StridedCopy(outShape, perm.map((p) => inStrides[p]!), stridesOf(outShape), src!.wordsPerElement);
    return () => copy.run(src!.words, 0, dst!.words, 0, src!.wordsPerElement);
  },
});
