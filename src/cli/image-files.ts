import { readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { compareCodePoints, DEFAULT_IMAGE_EXTENSIONS } from '../data/index.js';

const IMAGE_EXTENSIONS = new Set(DEFAULT_IMAGE_EXTENSIONS);

/**
 * The image files named on the command line: files as given (a missing or unreadable one is
 * reported when it is loaded), folders walked recursively in code-point order for files with an
 * image extension, skipping names that start with '.'.
 */
export async function listImageFiles(args: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const arg of args) {
    const isDir = await stat(arg).then((s) => s.isDirectory(), () => false);
    if (isDir) await walk(arg, out);
    else out.push(arg);
  }
  return out;
}

async function walk(dir: string, out: string[]): Promise<void> {
  const names = (await readdir(dir)).filter((n) => !n.startsWith('.')).sort(compareCodePoints);
  for (const name of names) {
    const path = join(dir, name);
    const s = await stat(path).catch(() => undefined);
    if (s?.isDirectory()) await walk(path, out);
    else if (s?.isFile() && IMAGE_EXTENSIONS.has(extname(name).toLowerCase())) out.push(path);
  }
}
