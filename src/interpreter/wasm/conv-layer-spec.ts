import type { ConvQuantization } from '../kernels/conv-multipliers.js';
import type { Window2D } from '../kernels/padding.js';
import type { RuntimeTensor } from '../tensor.js';

/** A quantized CONV_2D or DEPTHWISE_CONV_2D layer as the TypeScript kernel prepared it. */
export interface ConvLayerSpec extends ConvQuantization {
  readonly input: RuntimeTensor;
  readonly output: RuntimeTensor;
  readonly batches: number;
  readonly inHeight: number;
  readonly inWidth: number;
  readonly inChannels: number;
  /** For DEPTHWISE_CONV_2D: inChannels · depth multiplier. */
  readonly outChannels: number;
  readonly filterHeight: number;
  readonly filterWidth: number;
  readonly window: Window2D;
  /**
   * The model's filter: [outChannels][filterHeight][filterWidth][inChannels] for CONV_2D,
   * [filterHeight][filterWidth][outChannels] for DEPTHWISE_CONV_2D.
   */
  readonly filter: Uint8Array | Int8Array;
  /** The filter may be packed where it is (RuntimeTensor.writableInPrepare; CONV_2D only). */
  readonly filterWritable?: boolean;
  /** [outChannels], or null without a bias tensor. */
  readonly bias: Int32Array | null;
}
