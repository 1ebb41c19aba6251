import { EdgeTpuLearnError } from '../errors.js';

/** The model uses an operator, or a type combination of one, that no kernel implements. */
export class UnsupportedOperatorError extends EdgeTpuLearnError {
  constructor(message: string) {
    super('UNSUPPORTED_OPERATOR', message);
  }
}

/** The model needs an Edge TPU (edgetpu-custom-op) but no Edge TPU backend is available. */
export class EdgeTpuRequiredError extends EdgeTpuLearnError {
  constructor(message: string) {
    super('EDGETPU_REQUIRED', message);
  }
}

/** run() was given inputs that do not fit the model (count, dtype, length). */
export class InvalidInputError extends EdgeTpuLearnError {
  constructor(message: string) {
    super('INVALID_INPUT', message);
  }
}
