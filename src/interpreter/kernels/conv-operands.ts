import { fb } from '../../tflite/index.js';
import { isClampActivation } from '../activation-range.js';
import type { KernelNode } from '../kernel.js';
import type { RuntimeTensor } from '../tensor.js';
import { expectCounts, expectRank, expectType, optionalInput, optionsOf, requiredInput, requiredOutput, unsupported } from './node-checks.js';

/** The operands of a quantized CONV_2D or DEPTHWISE_CONV_2D, checked the way both kernels need them. */
export interface ConvOperands<Options> {
  readonly input: RuntimeTensor;
  readonly filter: RuntimeTensor;
  readonly bias: RuntimeTensor | null;
  readonly output: RuntimeTensor;
  readonly options: Options;
}

/**
 * Input, filter, optional bias and output of a conv-like node: 8-bit tensors of one type, an
 * int32 bias, 4-D input and filter, constant weights, and a fused activation that is a clamp.
 * Shapes specific to each op are checked by the kernel.
 */
export function convOperands<Options extends { fusedActivationFunction: fb.ActivationFunctionType }>(
  node: KernelNode,
  optionsClass: new (...args: never[]) => Options,
): ConvOperands<Options> {
  expectCounts(node, [2, 3], 1);
  const inT = requiredInput(node, 0);
  const filterT = requiredInput(node, 1);
  const biasT = optionalInput(node, 2);
  const outT = requiredOutput(node, 0);
  const options = optionsOf(node, optionsClass);
  expectType(node, inT, ['uint8', 'int8'], 'the input');
  expectType(node, filterT, [inT.dtype], 'the filter');
  expectType(node, outT, [inT.dtype], 'the output');
  if (biasT) expectType(node, biasT, ['int32'], 'the bias');
  expectRank(node, inT, 4, 'the input');
  expectRank(node, filterT, 4, 'the filter');
  if (!filterT.isConstant) throw unsupported(node, 'the filter is not a constant tensor');
  if (biasT && !biasT.isConstant) throw unsupported(node, 'the bias is not a constant tensor');
  if (!isClampActivation(options.fusedActivationFunction)) throw unsupported(node, `fused activation ${fb.ActivationFunctionType[options.fusedActivationFunction]}`);
  return { input: inT, filter: filterT, bias: biasT, output: outT, options };
}
