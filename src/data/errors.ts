import { EdgeTpuLearnError } from '../errors.js';

/**
 * An image folder data set cannot be used. Codes:
 * DATASET_NOT_FOUND (no such folder), DATASET_NO_CLASSES (no class sub-folders),
 * DATASET_EMPTY_CLASS (a class folder without images), DATASET_SPLIT (the split asked
 * for cannot be made, e.g. a class too small to give images to both sides).
 */
export class DatasetError extends EdgeTpuLearnError {
  constructor(code: 'DATASET_NOT_FOUND' | 'DATASET_NO_CLASSES' | 'DATASET_EMPTY_CLASS' | 'DATASET_SPLIT', message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** An IDX (MNIST-style) file is not valid: bad magic, unknown type, or a size that does not match its header. */
export class InvalidIdxError extends EdgeTpuLearnError {
  constructor(file: string, detail: string, options?: { cause?: unknown }) {
    super('INVALID_IDX', `${file}: ${detail}`, options);
  }
}

/** A label file cannot be read, or labels cannot be written so that they read back the same. */
export class InvalidLabelsError extends EdgeTpuLearnError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('INVALID_LABELS', message, options);
  }
}
