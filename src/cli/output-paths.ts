import { mkdir } from 'node:fs/promises';
import { dirname, extname } from 'node:path';
import { writeError } from './command-error.js';

/** The label file that goes with a model: the same path with .txt (as pycoral's examples). */
export function labelsPathFor(modelPath: string): string {
  const ext = extname(modelPath);
  return (ext ? modelPath.slice(0, -ext.length) : modelPath) + '.txt';
}

/** Creates the folders the output files go in, before any long work starts. */
export async function ensureParentFolders(paths: readonly string[]): Promise<void> {
  for (const path of paths) {
    await mkdir(dirname(path), { recursive: true }).catch((e: unknown) => {
      throw writeError(path, e);
    });
  }
}
