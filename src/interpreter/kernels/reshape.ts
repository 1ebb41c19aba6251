/**
 * RESHAPE: the output holds the input's bytes unchanged (quantization is shared). Shapes are
 * static in this interpreter, so the target shape (second input or ReshapeOptions) is only
 * checked at prepare: the element counts must agree.
 */
import type { DType } from '../../tflite/index.js';
import type { KernelNode, KernelRun } from '../kernel.js';
import { registerKernel } from '../registry.js';
import { expectCounts, expectType, invalid, requiredInput, requiredOutput, shapeText } from './node-checks.js';

const ANY_FIXED_SIZE: DType[] = ['float32', 'float16', 'float64', 'int32', 'uint8', 'int8', 'int16', 'uint16', 'uint32', 'int64', 'uint64', 'bool', 'bfloat16'];

function prepareReshape(node: KernelNode): KernelRun {
  expectCounts(node, [1, 2], 1);
  const inT = requiredInput(node, 0);
  const outT = requiredOutput(node, 0);
  expectType(node, outT, [inT.dtype], 'the output');
  if (inT.size !== outT.size) throw invalid(node, `cannot reshape ${shapeText(inT.shape)} (${inT.size} elements) to ${shapeText(outT.shape)} (${outT.size} elements)`);
  const from = inT.bytes;
  const to = outT.bytes;
  if (from.buffer === to.buffer && from.byteOffset === to.byteOffset) return () => undefined;
  return function reshape(): void {
    to.set(from);
  };
}

registerKernel({ op: 'RESHAPE', dtypes: ANY_FIXED_SIZE, prepare: prepareReshape });
