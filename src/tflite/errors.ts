import { EdgeTpuLearnError } from '../errors.js';

/** The bytes are not a TFLite model we can read, or a model edit would make it invalid. */
export class InvalidModelError extends EdgeTpuLearnError {
  /** Where the model came from (a file path), when known. */
  readonly source: string | undefined;

  constructor(message: string, options?: { source?: string; cause?: unknown }) {
    const where = options?.source ? `${options.source}: ` : '';
    super('INVALID_MODEL', where + message, { cause: options?.cause });
    this.source = options?.source;
  }
}

/** A model edit that refers to something the model does not have (a tensor, buffer, op...). */
export class ModelEditError extends EdgeTpuLearnError {
  constructor(message: string) {
    super('MODEL_EDIT', message);
  }
}
