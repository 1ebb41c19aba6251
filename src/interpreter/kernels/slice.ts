import { type DType } from '../../tflite/index.js';
import { registerKernel } from '../registry.js';
import { constantIntegers } from '../static-operands.js';
import { StridedCopy, rawViews, stridesOf } from '../strided-copy.js';
import { expectShape, invalid, sameTypeOperands } from './node-checks.js';

const DTYPES: readonly DType[] = ['float32', 'uint8', 'int8', 'int16', 'int32', 'int64', 'bool'];
const MAX_RANK = 5;

/**
 * SLICE: the box begin[k] .. begin[k] + size[k] of the input (size −1 = to the end).
 * Quantized data is copied as it is.
 */
registerKernel({
  op: 'SLICE',
  dtypes: DTYPES,
  prepare(node) {
    const { input, output } = sameTypeOperands(node, 3, DTYPES);
    const rank = input.shape.length;
    if (rank > MAX_RANK) throw invalid(node, `input has rank ${rank}; at most ${MAX_RANK} is supported`);
    const begin = constantIntegers(node, 1, 'begin');
    const size = constantIntegers(node, 2, 'size');
    if (begin.length !== rank || size.length !== rank) {
      throw invalid(node, `begin and size need ${rank} values (the input rank), got ${begin.length} and ${size.length}`);
    }
    const outShape = input.shape.map((dim, k) => {
      const b = begin[k]!;
      const s = size[k] === -1 ? dim - b : size[k]!;
      if (b < 0 || s < 0 || b + s > dim) {
        throw invalid(node, `begin ${b} and size ${size[k]} do not fit dimension ${k} of size ${dim}`);
      }
      return s;
    });
    expectShape(node, output, outShape);
    const inStrides = stridesOf(input.shape);
    const offset = begin.reduce((acc, b, k) => acc + b * inStrides[k]!, 0);
    const [src, dst] = rawViews([input, output]);
    const copy = new StridedCopy(outShape, inStrides, stridesOf(outShape), src!.wordsPerElement);
    return () => copy.run(src!.words, offset, dst!.words, 0, src!.wordsPerElement);
  },
});
