import { fb, type DType } from '../../tflite/index.js';
import { registerKernel } from '../registry.js';
import { constantIntegers, normalizeAxis } from '../static-operands.js';
import { StridedCopy, rawViews, stridesOf } from '../strided-copy.js';
import { expectSameType, expectShape, expectType, invalid, requiredInput } from './node-checks.js';

const DTYPES: readonly DType[] = ['float32', 'uint8', 'int8', 'int16', 'int32'];

/**
 * SPLIT: inputs are (axis, value); the value is cut into num_splits equal parts along the
 * axis. The registry keys kernels on the first input, which here is the int32 axis.
 */
registerKernel({
  op: 'SPLIT',
  dtypes: ['int32'],
  prepare(node) {
    if (node.inputs.length !== 2) throw invalid(node, `expects 2 inputs (axis, value), the model gives ${node.inputs.length}`);
    const input = requiredInput(node, 1);
    expectType(node, input, DTYPES, `value '${input.name}'`);
    const options = node.options instanceof fb.SplitOptionsT ? node.options : null;
    const parts = options?.numSplits ?? node.outputs.length;
    if (parts !== node.outputs.length || parts < 1) {
      throw invalid(node, `num_splits is ${parts} but the operator has ${node.outputs.length} outputs`);
    }
    const axisValues = constantIntegers(node, 0, 'axis');
    if (axisValues.length !== 1) throw invalid(node, `axis must hold one value`);
    const axis = normalizeAxis(node, axisValues[0]!, input.shape.length);
    const dim = input.shape[axis]!;
    if (dim % parts !== 0) throw invalid(node, `dimension ${axis} (size ${dim}) does not split into ${parts} equal parts`);
    const partShape = input.shape.slice();
    partShape[axis] = dim / parts;
    const inStrides = stridesOf(input.shape);
    const views = rawViews([input, ...node.outputs]);
    const wpe = views[0]!.wordsPerElement;
    const copy = new StridedCopy(partShape, inStrides, stridesOf(partShape), wpe);
    const step = (dim / parts) * inStrides[axis]!;
    node.outputs.forEach((o) => {
      expectSameType(node, input, o);
      expectShape(node, o, partShape);
    });
    return () => {
      for (let k = 0; k < parts; k++) copy.run(views[0]!.words, k * step, views[k + 1]!.words, 0, wpe);
    };
  },
});
