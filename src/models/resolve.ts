import { statSync } from 'node:fs';
import { join } from 'node:path';
import { findCatalogEntry, type CatalogEntry } from './catalog.js';
import { ModelCatalogError } from './errors.js';
import { coralTestDataDirs, modelCacheDir } from './locations.js';

/** Where a model argument was found. */
export type ModelLocation = 'path' | 'cache' | 'coral-test-data';

export interface ResolvedModel {
  readonly path: string;
  readonly location: ModelLocation;
  /** The catalog entry, when the argument was a catalog name. */
  readonly entry?: CatalogEntry;
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * The local copy of a catalog file: in the cache, else in Coral's test data. A copy whose
 * size is not the catalog's is passed over (`models pull` checks the full sha256).
 */
export function localCopy(entry: CatalogEntry): { path: string; location: ModelLocation } | undefined {
  const places: [string, ModelLocation][] = [[modelCacheDir(), 'cache'], ...coralTestDataDirs().map((d): [string, ModelLocation] => [d, 'coral-test-data'])];
  for (const [dir, location] of places) {
    const path = join(dir, entry.file);
    try {
      if (statSync(path).size === entry.size) return { path, location };
    } catch {
      // not there
    }
  }
  return undefined;
}

/**
 * Turns a model argument into a file: an existing path as it is; else a catalog name (with or
 * without .tflite) found in the cache or in Coral's test data. Throws ModelCatalogError saying
 * what to do otherwise (`models pull NAME` for a catalog model not on this machine).
 */
export function resolveModel(arg: string): ResolvedModel {
  if (isFile(arg)) return { path: arg, location: 'path' };
  const entry = findCatalogEntry(arg);
  if (!entry) {
    throw new ModelCatalogError('MODEL_NOT_FOUND', `${arg}: no such model file, and no model of that name in the catalog ('edgetpu-learn models list' shows them)`);
  }
  const copy = localCopy(entry);
  if (!copy) {
    throw new ModelCatalogError(
      'MODEL_NOT_PULLED',
      `${entry.name} is not on this machine: run 'edgetpu-learn models pull ${entry.name}' (or set CORAL_TEST_DATA to a folder that has ${entry.file})`,
    );
  }
  return { ...copy, entry };
}
