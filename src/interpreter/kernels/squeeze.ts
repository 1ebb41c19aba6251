import { fb } from '../../tflite/index.js';
import { registerKernel } from '../registry.js';
import { normalizeAxis } from '../static-operands.js';
import { expectCounts, expectSameType, expectShape, invalid, requiredInput } from './node-checks.js';

/** SQUEEZE: drops size-1 axes (the listed ones, or all); the bytes do not change. */
registerKernel({
  op: 'SQUEEZE',
  dtypes: ['float32', 'uint8', 'int8', 'int16', 'int32', 'int64', 'bool'],
  prepare(node) {
    expectCounts(node, 1, 1);
    const input = requiredInput(node, 0);
    const output = node.outputs[0]!;
    expectSameType(node, input, output);
    const listed = node.options instanceof fb.SqueezeOptionsT ? node.options.squeezeDims : [];
    const rank = input.shape.length;
    const drop = new Set<number>();
    if (listed.length === 0) input.shape.forEach((d, k) => d === 1 && drop.add(k));
    for (const a of listed) {
      const k = normalizeAxis(node, a, rank, 'squeeze_dims entry');
      if (input.shape[k] !== 1) throw invalid(node, `cannot squeeze axis ${a} of size ${input.shape[k]}`);
      drop.add(k);
    }
    expectShape(node, output, input.shape.filter((_, k) => !drop.has(k)));
    return () => output.bytes.set(input.bytes);
  },
});
