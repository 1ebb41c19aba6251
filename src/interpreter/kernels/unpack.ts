import { fb, type DType } from '../../tflite/index.js';
import { registerKernel } from '../registry.js';
import { expectSameQuantization, normalizeAxis } from '../static-operands.js';
import { StridedCopy, rawViews, stridesOf } from '../strided-copy.js';
import { expectCounts, expectSameType, expectShape, expectType, invalid, requiredInput } from './node-checks.js';

const DTYPES: readonly DType[] = ['float32', 'uint8', 'int8', 'int16', 'int32', 'bool'];

/** UNPACK: splits the input along `axis` into its `num` slices, dropping that axis; quantization must pass through unchanged. */
registerKernel({
  op: 'UNPACK',
  dtypes: DTYPES,
  prepare(node) {
    const options = node.options instanceof fb.UnpackOptionsT ? node.options : new fb.UnpackOptionsT();
    expectCounts(node, 1, node.outputs.length);
    const input = requiredInput(node, 0);
    expectType(node, input, DTYPES, `input '${input.name}'`);
    const rank = input.shape.length;
    const axis = normalizeAxis(node, options.axis, rank);
    const count = input.shape[axis]!;
    if (options.num !== count || node.outputs.length !== count) {
      throw invalid(node, `num ${options.num} and the ${node.outputs.length} outputs must equal dimension ${axis} of the input (${count})`);
    }
    const partShape = input.shape.filter((_, k) => k !== axis);
    for (const o of node.outputs) {
      expectSameType(node, input, o);
      expectShape(node, o, partShape);
      // TFLite requires equal quantization rather than requantizing.
      if (o.dtype === 'uint8' || o.dtype === 'int8' || o.dtype === 'int16') expectSameQuantization(node, input, o);
    }
    const inStrides = stridesOf(input.shape);
    const views = rawViews([input, ...node.outputs]);
    const wpe = views[0]!.wordsPerElement;
    const copy = new StridedCopy(partShape, inStrides.filter((_, k) => k !== axis), stridesOf(partShape), wpe);
    const step = inStrides[axis]!;
    return () => {
      for (let k = 0; k < count; k++) copy.run(views[0]!.words, k * step, views[k + 1]!.words, 0, wpe);
    };
  },
});
