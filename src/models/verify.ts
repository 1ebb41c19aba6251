import { createHash } from 'node:crypto';
import { parseLabels } from '../data/index.js';
import { Model } from '../tflite/index.js';
import type { CatalogEntry } from './catalog.js';
import { ModelCatalogError } from './errors.js';

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Checks that `bytes` (read from `source`) are the catalog's file: a model (or a label file)
 * first, so that an HTML page or a Git LFS pointer gets the reader's own explanation; then the
 * size and the sha256. Throws InvalidModelError or ModelCatalogError('MODEL_MISMATCH').
 */
export function verifyCatalogFile(entry: CatalogEntry, bytes: Uint8Array, source: string): void {
  if (entry.kind === 'labels') parseLabels(new TextDecoder().decode(bytes));
  else Model.fromBuffer(bytes, { source });
  if (bytes.length !== entry.size) {
    throw new ModelCatalogError('MODEL_MISMATCH', `${source}: is ${bytes.length} bytes, but ${entry.name} is ${entry.size}; refusing it (another version of the file, or a damaged copy)`);
  }
  const sha = sha256Hex(bytes);
  if (sha !== entry.sha256) {
    throw new ModelCatalogError('MODEL_MISMATCH', `${source}: sha256 ${sha} is not ${entry.name}'s (${entry.sha256}); refusing it (a modified or different file)`);
  }
}
