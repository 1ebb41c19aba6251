import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

/** Coral's test data, never committed: `CORAL_TEST_DATA`, else ../shared/coral-test-data. */
export const CORAL_TEST_DATA = resolve(process.env.CORAL_TEST_DATA ?? '../shared/coral-test-data');
export const SHARED = resolve(CORAL_TEST_DATA, '..');

/**
 * Returns the absolute path of a file under the Coral test data. When it is missing the
 * test is skipped on a developer machine, but fails under CI: there a missing data set
 * means CI is broken, not that the test does not apply.
 */
export function coralFile(ctx: Mocha.Context, name: string): string {
  const path = join(CORAL_TEST_DATA, name);
  if (!existsSync(path)) missing(ctx, path);
  return path;
}

export function missing(ctx: Mocha.Context, path: string): never {
  const message = `test data missing: ${path} (set CORAL_TEST_DATA or put ../shared beside the repository)`;
  if (process.env.CI) throw new Error(message);
  ctx.skip();
  throw new Error(message); // not reached: skip() throws
}

/** Every .tflite under the Coral test data, relative paths, sorted. Empty if the folder is absent. */
export function coralModels(): string[] {
  if (!existsSync(CORAL_TEST_DATA)) return [];
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith('.tflite')) out.push(relative(CORAL_TEST_DATA, p));
    }
  };
  walk(CORAL_TEST_DATA);
  return out.sort();
}

/**
 * Declares a test that fails under CI when the Coral test data is absent, so that a
 * data-driven suite can never pass by running no cases.
 */
export function requireCoralData(): void {
  it('has the Coral test data', function () {
    if (!existsSync(CORAL_TEST_DATA)) missing(this, CORAL_TEST_DATA);
  });
}
