import type { OperatorInfo } from '../tflite/index.js';
import type { DType } from '../tflite/index.js';
import type { RuntimeTensor } from './tensor.js';

/** One operator of the model, with its tensors resolved, as a kernel sees it. */
export interface KernelNode {
  /** Operator index in the subgraph (for error messages). */
  readonly index: number;
  /** 'CONV_2D', or the custom code for custom ops. */
  readonly op: string;
  readonly version: number;
  /** null where the model omits an optional input (tensor index -1). */
  readonly inputs: ReadonlyArray<RuntimeTensor | null>;
  readonly outputs: ReadonlyArray<RuntimeTensor>;
  readonly intermediates: ReadonlyArray<RuntimeTensor>;
  /** The decoded builtin options table (e.g. fb.Conv2DOptionsT), or null. */
  readonly options: OperatorInfo['options'];
  readonly customOptions: Uint8Array;
  /** The device the interpreter was created for (Interpreter.create's `device` option), when given. */
  readonly device?: string;
}

/**
 * Runs the operator once: reads the input tensors' data, writes the outputs'. It must not
 * allocate: everything it needs is computed in `prepare`. A kernel that waits on a device
 * returns a promise.
 */
export type KernelRun = () => void | Promise<void>;

/**
 * A kernel for one op and a set of input element types. `prepare` runs once, at
 * Interpreter.create(): it checks types, shapes and options (throwing
 * UnsupportedOperatorError or InvalidModelError with a message naming the problem),
 * precomputes multipliers and tables, and returns the run function.
 */
export interface KernelDefinition {
  /** The builtin schema name ('CONV_2D') or a custom op's code. */
  readonly op: string;
  /** Element types of the first input this kernel handles. */
  readonly dtypes: readonly DType[];
  /**
   * Input positions whose data the kernel only reads in `prepare` (it packs or copies what it
   * needs, e.g. a convolution's filter and bias), never from its run function. A constant used
   * only in such positions is read straight from the model's bytes and emptied once every
   * kernel is prepared, so that the interpreter does not keep the model file in memory.
   */
  readonly preparedInputs?: readonly number[];
  prepare(node: KernelNode): KernelRun;
}
