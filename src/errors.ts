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
