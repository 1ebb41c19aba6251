import { registerKernel } from '../registry.js';
import { constantIntegers } from '../static-operands.js';
import { expectCounts, expectSameType, expectShape, invalid, requiredInput } from './node-checks.js';

/** EXPAND_DIMS: inserts a size-1 axis at the constant `axis` (−rank−1 ≤ axis ≤ rank); the bytes do not change. */
registerKernel({
  op: 'EXPAND_DIMS',
  dtypes: ['float32', 'uint8', 'int8', 'int16', 'int32', 'int64', 'bool'],
  prepare(node) {
    expectCounts(node, 2, 1);
    const input = requiredInput(node, 0);
    const output = node.outputs[0]!;
    expectSameType(node, input, output);
    const values = constantIntegers(node, 1, 'axis');
    const rank = input.shape.length;
    if (values.length !== 1) throw invalid(node, `axis must hold one value`);
    let axis = values[0]!;
    if (axis < -rank - 1 || axis > rank) throw invalid(node, `axis ${axis} is out of range for rank ${rank}`);
    if (axis < 0) axis += rank + 1;
    const shape = input.shape.slice();
    shape.splice(axis, 0, 1);
    expectShape(node, output, shape);
    return () => output.bytes.set(input.bytes);
  },
});
