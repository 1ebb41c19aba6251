import { fb, type DType } from '../../tflite/index.js';
import { floatActivationRange, isClampActivation, quantizedActivationRange } from '../activation-range.js';
import type { KernelNode } from '../kernel.js';
import type { RuntimeTensor } from '../tensor.js';
import { expectCounts, expectRank, expectShape, expectType, optionsOf, perTensorQuantization, requiredInput, requiredOutput, unsupported } from './node-checks.js';
import { window2D, type Window2D } from './padding.js';

/** What AVERAGE_POOL_2D and MAX_POOL_2D share: shapes, window, activation clamp. */
export interface PoolSetup {
  readonly input: RuntimeTensor;
  readonly output: RuntimeTensor;
  readonly batches: number;
  readonly inH: number;
  readonly inW: number;
  readonly channels: number;
  readonly filterH: number;
  readonly filterW: number;
  readonly window: Window2D;
  /** The fused activation's clamp in the output's domain (quantized or float). */
  readonly actMin: number;
  readonly actMax: number;
}

export function preparePool(node: KernelNode, dtypes: readonly DType[]): PoolSetup {
  expectCounts(node, [1, 1], 1);
  const inT = requiredInput(node, 0);
  const outT = requiredOutput(node, 0);
  const options = optionsOf(node, fb.Pool2DOptionsT);
  expectType(node, inT, dtypes, 'the input');
  expectType(node, outT, [inT.dtype], 'the output');
  expectRank(node, inT, 4, 'the input');
  if (!isClampActivation(options.fusedActivationFunction)) throw unsupported(node, `fused activation ${fb.ActivationFunctionType[options.fusedActivationFunction]}`);
  const [batches, inH, inW, channels] = inT.shape as [number, number, number, number];
  const window = window2D(options.padding, inH, inW, options.filterHeight, options.filterWidth, options.strideH, options.strideW);
  expectShape(node, outT, [batches, window.outHeight, window.outWidth, channels], 'the output');
  let actMin: number;
  let actMax: number;
  if (inT.dtype === 'float32') {
    [actMin, actMax] = floatActivationRange(options.fusedActivationFunction);
  } else {
    perTensorQuantization(node, inT, 'the input');
    const outQ = perTensorQuantization(node, outT, 'the output');
    // Pooling works on raw quantized values. Converters give input and output the same
    // parameters; when they differ TFLite does not rescale, and neither do we.
    [actMin, actMax] = quantizedActivationRange(options.fusedActivationFunction, outT.dtype, outQ.scale, outQ.zeroPoint);
  }
  return { input: inT, output: outT, batches, inH, inW, channels, filterH: options.filterHeight, filterW: options.filterWidth, window, actMin, actMax };
}
