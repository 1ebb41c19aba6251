import { fb, type DType } from '../../tflite/index.js';
import { registerKernel } from '../registry.js';
import { expectSameQuantization, normalizeAxis } from '../static-operands.js';
import { StridedCopy, rawViews, stridesOf } from '../strided-copy.js';
import { expectSameType, expectShape, expectType, invalid, requiredInput } from './node-checks.js';

const DTYPES: readonly DType[] = ['float32', 'uint8', 'int8', 'int16', 'int32', 'int64'];

/**
 * PACK: stacks N same-shaped inputs along a new axis. Quantized inputs must share the
 * output's scale and zero point (TFLite checks this; the bytes are copied as they are).
 */
registerKernel({
  op: 'PACK',
  dtypes: DTYPES,
  prepare(node) {
    const options = node.options instanceof fb.PackOptionsT ? node.options : new fb.PackOptionsT();
    const count = node.inputs.length;
    if (node.outputs.length !== 1 || count < 1 || options.valuesCount !== count) {
      throw invalid(node, `values_count ${options.valuesCount} must equal the number of inputs (${count}) and there must be one output`);
    }
    const inputs = node.inputs.map((_, k) => requiredInput(node, k));
    const output = node.outputs[0]!;
    const first = inputs[0]!;
    expectType(node, first, DTYPES, `input '${first.name}'`);
    const rank = first.shape.length;
    const axis = normalizeAxis(node, options.axis, rank + 1);
    for (const t of inputs) {
      expectSameType(node, first, t);
      if (t.shape.length !== rank || t.shape.some((d, k) => d !== first.shape[k])) {
        throw invalid(node, `every input must have shape [${first.shape.join(', ')}]; '${t.name}' has [${t.shape.join(', ')}]`);
      }
      if (t.dtype === 'uint8' || t.dtype === 'int8' || t.dtype === 'int16') expectSameQuantization(node, t, output);
    }
    expectSameType(node, first, output);
    const outShape = first.shape.slice();
    outShape.splice(axis, 0, count);
    expectShape(node, output, outShape);
    // Input k is the output's slice k along the new axis.
    const outStrides = stridesOf(outShape);
    const dstStrides = outStrides.filter((_, k) => k !== axis);
    const views = rawViews([output, ...inputs]);
    const wpe = views[0]!.wordsPerElement;
    const copy = new StridedCopy(first.shape, stridesOf(first.shape), dstStrides, wpe);
    const step = outStrides[axis]!;
    return () => {
      for (let k = 0; k < count; k++) copy.run(views[k + 1]!.words, 0, views[0]!.words, k * step, wpe);
    };
  },
});
