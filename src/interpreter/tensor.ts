import type { DType, Quantization, TypedArray } from '../tflite/index.js';

/**
 * A tensor as the interpreter runs it: static shape and type from the model, and its
 * memory, fixed once at create() time (a slice of the arena, a constant buffer from the
 * model, or a dedicated input/output buffer). Kernels capture `data` when they are
 * prepared and read or write it on every run; it never moves.
 */
export interface RuntimeTensor {
  readonly index: number;
  readonly name: string;
  readonly dtype: DType;
  readonly shape: readonly number[];
  /** Number of elements (product of shape; 1 for a scalar). */
  readonly size: number;
  readonly quantization: Quantization | null;
  readonly isConstant: boolean;
  /**
   * Set on a constant whose bytes the interpreter owns (it read the model file into the
   * WebAssembly kernels' memory) and that only one operator reads, in its prepare only: that
   * kernel may rewrite the bytes where they are (pack them) and keep using them at run time.
   */
  readonly writableInPrepare?: boolean;
  /**
   * The tensor's bytes. Empty after create() for a constant that only kernels' prepare reads
   * (a convolution's filter or bias, see KernelDefinition.preparedInputs).
   */
  bytes: Uint8Array;
  /** A typed view of `bytes` for `dtype` (Uint8Array for uint8/bool, Int8Array for int8...). */
  data: TypedArray;
}
