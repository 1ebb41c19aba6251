import type { fb } from '../../tflite/index.js';
import { quantizedActivationRange } from '../activation-range.js';
import type { KernelNode } from '../kernel.js';
import { quantizeMultiplier } from '../quantization-math.js';
import type { RuntimeTensor } from '../tensor.js';
import { invalid, perTensorQuantization, unsupported } from './node-checks.js';

/** The requantization multiplier of each output channel of a conv-like op (accumulator scale → output scale). */
export interface ChannelMultipliers {
  readonly multiplier: Int32Array;
  readonly shift: Int32Array;
}

/**
 * How TFLite derives the multiplier. 'legacy': one multiplier from the float32 product
 * s_in·s_w divided by s_out in double (GetQuantizedConvolutionMultipler: uint8 CONV_2D and
 * DEPTHWISE_CONV_2D, and FULLY_CONNECTED). 'per-channel': s_in·s_w[c]/s_out in double for each
 * channel (PopulateConvolutionQuantizationParams: int8 CONV_2D and DEPTHWISE_CONV_2D, whose
 * filters may be per-tensor or per-channel).
 */
export type MultiplierRule = 'legacy' | 'per-channel';

export function convolutionMultipliers(
  node: KernelNode,
  input: RuntimeTensor,
  filter: RuntimeTensor,
  bias: RuntimeTensor | null,
  output: RuntimeTensor,
  channels: number,
  rule: MultiplierRule,
): ChannelMultipliers {
  const inScale = perTensorQuantization(node, input, 'the input').scale;
  const outScale = perTensorQuantization(node, output, 'the output').scale;
  const fq = filter.quantization;
  if (!fq) throw unsupported(node, `the filter (${filter.dtype}) has no quantization parameters`);
  if (fq.scale.length !== 1 && fq.scale.length !== channels) throw invalid(node, `the filter has ${fq.scale.length} scales for ${channels} output channels`);
  if (rule === 'legacy' && fq.scale.length !== 1) throw unsupported(node, `the filter is quantized per channel (${fq.scale.length} scales); ${input.dtype} kernels need one scale`);

  const multiplier = new Int32Array(channels);
  const shift = new Int32Array(channels);
  if (rule === 'legacy') {
    const product = Math.fround(inScale * fq.scale[0]!);
    if (bias?.quantization) {
      // TFLite rejects a bias scale that strays from s_in·s_w by more than 2 % of s_out.
      if (Math.abs(product - bias.quantization.scale[0]!) / outScale > 0.02) {
        throw invalid(node, `the bias scale ${bias.quantization.scale[0]} does not match input scale × filter scale (${product})`);
      }
    }
    const q = quantizeMultiplier(product / outScale);
    multiplier.fill(q.multiplier);
    shift.fill(q.shift);
  } else {
    for (let c = 0; c < channels; c++) {
      const filterScale = fq.scale.length === 1 ? fq.scale[0]! : fq.scale[c]!;
      const q = quantizeMultiplier((inScale * filterScale) / outScale);
      multiplier[c] = q.multiplier;
      shift[c] = q.shift;
    }
  }
  return { multiplier, shift };
}

/** Everything a quantized conv-like kernel needs to requantize and clamp, derived once in prepare. */
export interface ConvQuantization extends ChannelMultipliers {
  readonly inputZeroPoint: number;
  readonly outputZeroPoint: number;
  /** The filter's zero point for uint8 models; 0 for int8, whose filters TFLite treats as symmetric. */
  readonly filterZeroPoint: number;
  readonly activationMin: number;
  readonly activationMax: number;
}

/** Zero points, per-channel multipliers and the activation range of CONV_2D and DEPTHWISE_CONV_2D. */
export function convQuantization(
  node: KernelNode,
  input: RuntimeTensor,
  filter: RuntimeTensor,
  bias: RuntimeTensor | null,
  output: RuntimeTensor,
  channels: number,
  activation: fb.ActivationFunctionType,
): ConvQuantization {
  const out = perTensorQuantization(node, output, 'the output');
  const isUint8 = input.dtype === 'uint8';
  const { multiplier, shift } = convolutionMultipliers(node, input, filter, bias, output, channels, isUint8 ? 'legacy' : 'per-channel');
  const [activationMin, activationMax] = quantizedActivationRange(activation, output.dtype, out.scale, out.zeroPoint);
  return {
    inputZeroPoint: perTensorQuantization(node, input, 'the input').zeroPoint,
    outputZeroPoint: out.zeroPoint,
    filterZeroPoint: isUint8 ? perTensorQuantization(node, filter, 'the filter').zeroPoint : 0,
    multiplier,
    shift,
    activationMin,
    activationMax,
  };
}

/** The reference kernels' operands: filter values minus the filter zero point, and the bias (zeros when absent). */
export function widenedFilterAndBias(filter: RuntimeTensor, filterZeroPoint: number, bias: RuntimeTensor | null, channels: number): { filter: Int16Array; bias: Int32Array } {
  const widened = new Int16Array(filter.size);
  const raw = filter.data as Uint8Array | Int8Array;
  for (let i = 0; i < widened.length; i++) widened[i] = raw[i]! - filterZeroPoint;
  const b = new Int32Array(channels);
  if (bias) b.set(bias.data as Int32Array);
  return { filter: widened, bias: b };
}
