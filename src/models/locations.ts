import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where pulled models live: $EDGETPU_LEARN_CACHE, else ~/.cache/edgetpu-learn/models. */
export function modelCacheDir(): string {
  const env = process.env.EDGETPU_LEARN_CACHE;
  return env ? resolve(env) : join(homedir(), '.cache', 'edgetpu-learn', 'models');
}

/**
 * Folders that may hold Coral's test data, in the order they are searched:
 * $CORAL_TEST_DATA when set; otherwise ../shared/coral-test-data beside the current folder
 * and beside this package (the project's layout), when they exist.
 */
export function coralTestDataDirs(): string[] {
  const env = process.env.CORAL_TEST_DATA;
  if (env) return [resolve(env)];
  const packageRoot = fileURLToPath(new URL('../../', import.meta.url));
  const candidates = [resolve('../shared/coral-test-data'), resolve(packageRoot, '../shared/coral-test-data')];
  return [...new Set(candidates)].filter((d) => existsSync(d));
}
