import { EdgeTpuLearnError } from '../errors.js';

/**
 * A catalog model cannot be found, fetched or trusted. Codes: MODEL_NOT_FOUND (neither a file
 * nor a catalog name), MODEL_NOT_PULLED (a catalog model with no local copy), MODEL_DOWNLOAD
 * (the download failed), MODEL_MISMATCH (a copy whose size or sha256 is not the catalog's),
 * MODEL_SOURCE (a --from folder without the file).
 */
export class ModelCatalogError extends EdgeTpuLearnError {
  constructor(
    code: 'MODEL_NOT_FOUND' | 'MODEL_NOT_PULLED' | 'MODEL_DOWNLOAD' | 'MODEL_MISMATCH' | 'MODEL_SOURCE',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}
