import { bytesPerElement, type DType } from '../../tflite/index.js';
import type { KernelNode, KernelRun } from '../kernel.js';
import { registerKernel } from '../registry.js';
import { constantIntegers, expectSameQuantization } from '../static-operands.js';
import { StridedCopy, fillWithElement, rawViews, stridesOf } from '../strided-copy.js';
import type { RuntimeTensor } from '../tensor.js';
import { expectSameType, expectShape, invalid, requiredInput, sameTypeOperands } from './node-checks.js';

export const PAD_DTYPES: readonly DType[] = ['float32', 'uint8', 'int8', 'int16', 'int32', 'int64'];
/** TFLite's pad kernels index up to 5 dimensions. */
const MAX_RANK = 5;

/**
 * PAD and PADV2: the output is the pad value everywhere, then the input copied into its
 * interior. Quantized tensors are copied as they are (TFLite does not requantize), and
 * PAD pads them with the output's zero point, which is the real value 0.
 */
export function preparePad(node: KernelNode, withConstant: boolean): KernelRun {
  const { input, output } = sameTypeOperands(node, withConstant ? [2, 3] : 2, PAD_DTYPES);
  const rank = input.shape.length;
  if (rank > MAX_RANK) throw invalid(node, `input has rank ${rank}; at most ${MAX_RANK} is supported`);
  const paddings = constantIntegers(node, 1, 'paddings');
  if (paddings.length !== rank * 2 || requiredInput(node, 1).shape.length !== 2) {
    throw invalid(node, `paddings must have shape [${rank}, 2], got [${requiredInput(node, 1).shape.join(', ')}]`);
  }
  if (paddings.some((p) => p < 0)) throw invalid(node, `paddings must not be negative, got [${paddings.join(', ')}]`);
  const outShape = input.shape.map((d, k) => d + paddings[2 * k]! + paddings[2 * k + 1]!);
  expectShape(node, output, outShape);

  const [src, dst] = rawViews([input, output]);
  const outStrides = stridesOf(outShape);
  const interiorOffset = outStrides.reduce((acc, s, k) => acc + s * paddings[2 * k]!, 0);
  const copy = new StridedCopy(input.shape, stridesOf(input.shape), outStrides, src!.wordsPerElement);
  const padValue = padValueSource(node, input, output, withConstant);
  const needsFill = outShape.reduce((a, d) => a * d, 1) !== input.size;
  return () => {
    if (needsFill) fillWithElement(output.bytes, padValue());
    copy.run(src!.words, 0, dst!.words, interiorOffset, src!.wordsPerElement);
  };
}

/** The bytes of one pad element: PADV2's constant_values input, else zero or the output zero point. */
function padValueSource(node: KernelNode, input: RuntimeTensor, output: RuntimeTensor, withConstant: boolean): () => Uint8Array {
  const constant = withConstant ? node.inputs[2] ?? null : null;
  const size = bytesPerElement(output.dtype)!;
  if (constant) {
    expectSameType(node, input, constant);
    if (constant.size !== 1) throw invalid(node, `constant_values must hold one value, it has ${constant.size}`);
    // The pad value is copied raw, so it must be on the output's scale (TFLite 2.9 leaves
    // the output unwritten otherwise).
    if (output.dtype === 'uint8' || output.dtype === 'int8' || output.dtype === 'int16') expectSameQuantization(node, constant, output);
    // Read at run time: the value may be computed by an earlier operator.
    return () => constant.bytes;
  }
  const bytes = new Uint8Array(size);
  const zeroPoint = output.quantization?.zeroPoint[0] ?? 0;
  const view = new DataView(bytes.buffer);
  if (output.dtype === 'uint8') view.setUint8(0, zeroPoint);
  else if (output.dtype === 'int8') view.setInt8(0, zeroPoint);
  else if (output.dtype === 'int16') view.setInt16(0, zeroPoint, true);
  return () => bytes;
}

registerKernel({ op: 'PAD', dtypes: PAD_DTYPES, prepare: (node) => preparePad(node, false) });
