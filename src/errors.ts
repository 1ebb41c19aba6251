/**
 * Base class of every error this library throws on purpose. `code` is stable and
 * machine-readable; `message` says what is wrong and what to do about it.
 */
export class EdgeTpuLearnError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/**
 * The model is valid TFLite but not one this library can use as asked: a feature the
 * interpreter does not run (dynamic shapes, strings), or not the structure a learning engine
 * needs (for imprinting: the L2Norm → Conv2D → Mul → Reshape → Softmax tail). `reason` says
 * what is wrong (for the learning engines, Coral's own message, so errors can be matched
 * against pycoral's); the message adds what to do about it when there is a hint.
 */
export class UnsupportedModelError extends EdgeTpuLearnError {
  readonly reason: string;

  constructor(reason: string, hint?: string) {
    super('UNSUPPORTED_MODEL', hint ? `${reason} ${hint}` : reason);
    this.reason = reason;
  }
}
