import { EdgeTpuLearnError } from '../errors.js';

/** What an UnsupportedOperatorError is about, for programs that react to it. */
export interface UnsupportedOperatorDetails {
  /** The op name ('CONV_2D') or custom code. */
  op?: string;
  /** Operator index in subgraph 0. */
  operatorIndex?: number;
  inputTypes?: string[];
  outputTypes?: string[];
  /** Every op of the model that has no kernel (when the interpreter checked them all). */
  missingOps?: string[];
}

/** The model uses an operator, or a type combination of one, that no kernel implements. */
export class UnsupportedOperatorError extends EdgeTpuLearnError {
  readonly op: string | undefined;
  readonly operatorIndex: number | undefined;
  readonly inputTypes: readonly string[];
  readonly outputTypes: readonly string[];
  readonly missingOps: readonly string[];

  constructor(message: string, details: UnsupportedOperatorDetails = {}) {
    super('UNSUPPORTED_OPERATOR', message);
    this.op = details.op;
    this.operatorIndex = details.operatorIndex;
    this.inputTypes = details.inputTypes ?? [];
    this.outputTypes = details.outputTypes ?? [];
    this.missingOps = details.missingOps ?? (details.op ? [details.op] : []);
  }
}

/** The model needs an Edge TPU (edgetpu-custom-op) but no Edge TPU backend is available. */
export class EdgeTpuRequiredError extends EdgeTpuLearnError {
  /** The CPU variant to run instead (a file name or path), when known. */
  readonly cpuVariant: string | undefined;

  constructor(message: string, details: { cpuVariant?: string } = {}) {
    super('EDGETPU_REQUIRED', message);
    this.cpuVariant = details.cpuVariant;
  }
}

/** run() was given inputs that do not fit the model (count, dtype, length). */
export class InvalidInputError extends EdgeTpuLearnError {
  constructor(message: string) {
    super('INVALID_INPUT', message);
  }
}

// One class for the whole library: the learning engines throw it too.
export { UnsupportedModelError } from '../errors.js';

/** runSync() was called on a model with a kernel that completes asynchronously (such as the Edge TPU's). */
export class AsyncKernelError extends EdgeTpuLearnError {
  constructor(message: string) {
    super('ASYNC_KERNEL', message);
  }
}

/** The interpreter was used after close(), or run while another run was in progress. */
export class InterpreterStateError extends EdgeTpuLearnError {
  constructor(message: string) {
    super('INTERPRETER_STATE', message);
  }
}
