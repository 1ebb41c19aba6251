/**
 * Data for the command-line tests, built in temporary folders: Coral's imprinting photos laid
 * out as class folders, Fashion-MNIST images written as PNG files, and helpers to read what
 * the commands print.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { readIdxImageSet } from '../../src/data/index.js';
import { coralFile, missing, SHARED } from '../helpers/data.js';

/** A fresh temporary folder, removed after the current suite. */
export function tempFolder(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), `edgetpu-learn-${prefix}-`));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/**
 * Lays out Coral's imprinting photos as DIR/<class>/<file>: `layout` maps each class folder to
 * photos of imprinting/ (name in the folder → photo name), e.g. { cat: { 'cat_train_0.bmp': 'cat_train_0' } }.
 */
export function imprintingFolder(ctx: Mocha.Context, dir: string, layout: Record<string, Record<string, string>>): string {
  for (const [className, files] of Object.entries(layout)) {
    mkdirSync(join(dir, className), { recursive: true });
    for (const [name, photo] of Object.entries(files)) copyFileSync(coralFile(ctx, `imprinting/${photo}.bmp`), join(dir, className, name));
  }
  return dir;
}

/** Each class's photos by their own names: cat/cat_test_0.bmp, cat/cat_train_0.bmp, ... */
export const CORAL_CLASSES = {
  cat: ['cat_test_0', 'cat_train_0'],
  dog: ['dog_test_0', 'dog_train_0'],
  hotdog: ['hotdog_test_0', 'hotdog_train_0', 'hotdog_train_1'],
} as const;

export function coralLayout(classes: readonly (keyof typeof CORAL_CLASSES)[]): Record<string, Record<string, string>> {
  return Object.fromEntries(classes.map((c) => [c, Object.fromEntries(CORAL_CLASSES[c].map((p) => [`${p}.bmp`, p]))]));
}

export const FASHION_MNIST = join(SHARED, 'datasets', 'fashion-mnist');
const FASHION_NAMES = ['t-shirt', 'trouser', 'pullover', 'dress', 'coat', 'sandal', 'shirt', 'sneaker', 'bag', 'ankle-boot'];

/**
 * Writes the first `perClass` test-set images of each Fashion-MNIST class in `labels` as
 * DIR/<class name>/<index>.png (28x28 grayscale), read with our IDX reader.
 */
export async function fashionMnistFolder(ctx: Mocha.Context, dir: string, labels: readonly number[], perClass: number): Promise<string> {
  const images = join(FASHION_MNIST, 't10k-images-idx3-ubyte.gz');
  if (!existsSync(images)) missing(ctx, images);
  const set = await readIdxImageSet(images, join(FASHION_MNIST, 't10k-labels-idx1-ubyte.gz'));
  const counts = new Map<number, number>();
  const size = set.height * set.width;
  for (let i = 0; i < set.count; i++) {
    const label = set.labels[i]!;
    const n = counts.get(label) ?? 0;
    if (!labels.includes(label) || n >= perClass) continue;
    counts.set(label, n + 1);
    const folder = join(dir, FASHION_NAMES[label]!);
    mkdirSync(folder, { recursive: true });
    const pixels = set.images.subarray(i * size, (i + 1) * size);
    await sharp(pixels, { raw: { width: set.width, height: set.height, channels: 1 } }).png().toFile(join(folder, `${String(i).padStart(5, '0')}.png`));
  }
  return dir;
}

export function fashionName(label: number): string {
  return FASHION_NAMES[label]!;
}

/** The JSON lines a command printed with --json. */
export function jsonLines(stdout: string): Record<string, unknown>[] {
  return stdout
    .trim()
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** The one `{"event": "result"}` line. */
export function resultEvent<T = Record<string, unknown>>(stdout: string): T {
  const results = jsonLines(stdout).filter((e) => e.event === 'result');
  if (results.length !== 1) throw new Error(`expected one result event, got ${results.length} in:\n${stdout}`);
  return results[0] as T;
}

/** A file that claims to be a JPEG but is not one. */
export function writeBrokenImage(path: string): void {
  writeFileSync(path, Buffer.from('this is not an image at all, just text pretending to be a JPEG'));
}

/** Runs `f` with environment variables set, restoring them afterwards. */
export async function withEnv<T>(vars: Record<string, string | undefined>, f: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  for (const [k, v] of Object.entries(vars)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  try {
    return await f();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}
