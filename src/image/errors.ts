import { EdgeTpuLearnError } from '../errors.js';

/** What is wrong with an image file, for callers that want to react differently. */
export type InvalidImageReason =
  | 'unreadable'
  | 'empty'
  | 'truncated'
  | 'corrupt'
  | 'unsupported'
  | 'zero-size'
  | 'too-large';

/**
 * An image could not be decoded. The message names the file (or says it was a buffer)
 * and what is wrong with it; `reason` is the same in machine-readable form.
 */
export class InvalidImageError extends EdgeTpuLearnError {
  readonly reason: InvalidImageReason;
  /** The file path, or '<buffer>' when the image came from memory. */
  readonly file: string;

  constructor(file: string, reason: InvalidImageReason, detail: string, options?: { cause?: unknown }) {
    super('INVALID_IMAGE', `${file}: ${detail}`, options);
    this.file = file;
    this.reason = reason;
  }
}

/** The model's input is not something an image can be turned into (shape or dtype). */
export class UnsupportedImageInputError extends EdgeTpuLearnError {
  constructor(message: string) {
    super('UNSUPPORTED_IMAGE_INPUT', message);
  }
}
