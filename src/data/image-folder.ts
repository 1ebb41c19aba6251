import { readdir, stat } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import { compareCodePoints } from './code-point-order.js';
import { DatasetError } from './errors.js';
import { seededRandom, shuffled } from './random.js';

/** File extensions loadImageFolder takes as images by default (compared case-insensitively). */
export const DEFAULT_IMAGE_EXTENSIONS: readonly string[] = ['.jpg', '.jpeg', '.png', '.bmp', '.gif', '.webp', '.tif', '.tiff', '.avif'];

export interface LabeledImage {
  readonly path: string;
  /** Class id: the index of the class in `classNames`. */
  readonly label: number;
}

export interface SplitOptions {
  /** Share of each class that goes to the test set, in (0, 1). */
  readonly testRatio: number;
  /**
   * Take the FIRST images of each class (in file-name order) as the test set, as pycoral's
   * imprinting example and evaluation test do. Otherwise the test images are drawn at random.
   */
  readonly fixedOrder?: boolean;
  /** Seed of the random draw (default 0); the same seed gives the same split. */
  readonly seed?: number;
}

/**
 * Images with class labels, in class order and, within a class, in file-name order.
 * `loadImageFolder` makes one from a folder; `split` divides one per class.
 */
export class ImageDataset {
  readonly classNames: readonly string[];
  readonly items: readonly LabeledImage[];

  constructor(classNames: readonly string[], items: readonly LabeledImage[]) {
    for (const item of items) {
      if (!Number.isInteger(item.label) || item.label < 0 || item.label >= classNames.length) {
        throw new RangeError(`${item.path} has label ${item.label}, outside the ${classNames.length} classes`);
      }
    }
    this.classNames = classNames;
    this.items = items;
  }

  get size(): number {
    return this.items.length;
  }

  /** Number of images of each class, indexed by class id. */
  classCounts(): number[] {
    const counts = new Array<number>(this.classNames.length).fill(0);
    for (const item of this.items) counts[item.label]!++;
    return counts;
  }

  /**
   * Splits every class into train and test images. Each class gives
   * k = max(floor(testRatio * n), 1) of its n images to the test set: pycoral's imprinting
   * example's rule (its evaluation test uses floor(testRatio * n) and requires it to be at
   * least 1, so both agree wherever that test runs). Every class must keep at least one
   * image on each side. Both halves keep the dataset's order.
   */
  split(options: SplitOptions): { train: ImageDataset; test: ImageDataset } {
    const { testRatio } = options;
    if (!(testRatio > 0 && testRatio < 1)) {
      throw new DatasetError('DATASET_SPLIT', `testRatio must be between 0 and 1 (exclusive), got ${testRatio}`);
    }
    const random = seededRandom(options.seed ?? 0);
    const byClass = this.classNames.map(() => [] as number[]);
    this.items.forEach((item, i) => byClass[item.label]!.push(i));
    const inTest = new Set<number>();
    byClass.forEach((indices, label) => {
      const n = indices.length;
      const k = Math.max(Math.floor(testRatio * n), 1);
      if (n - k < 1) {
        throw new DatasetError(
          'DATASET_SPLIT',
          `class '${this.classNames[label]}' has ${n} image${n === 1 ? '' : 's'}: it needs at least 2 to put one in the test set and keep one for training`,
        );
      }
      const chosen = options.fixedOrder ? indices.slice(0, k) : shuffled(indices, random).slice(0, k);
      for (const i of chosen) inTest.add(i);
    });
    return {
      train: new ImageDataset(this.classNames, this.items.filter((_, i) => !inTest.has(i))),
      test: new ImageDataset(this.classNames, this.items.filter((_, i) => inTest.has(i))),
    };
  }
}

export interface ImageFolderOptions {
  /** Extensions counted as images, with or without the dot, any case (default DEFAULT_IMAGE_EXTENSIONS). */
  readonly extensions?: readonly string[];
}

/**
 * Reads a data set laid out as one sub-folder per class (`root/cat/*.jpg`, `root/dog/*.jpg`).
 * Class ids follow the sorted folder names (0, 1, ...), files are sorted by name, names
 * starting with '.' are skipped, and only files with an image extension count. Sorting is
 * by code point, like Python's sorted(), so the ids match pycoral's fixed-order tools.
 */
export async function loadImageFolder(root: string, options: ImageFolderOptions = {}): Promise<ImageDataset> {
  const extensions = new Set((options.extensions ?? DEFAULT_IMAGE_EXTENSIONS).map((e) => (e.startsWith('.') ? e : `.${e}`).toLowerCase()));
  const dir = resolve(root);
  let names: string[];
  try {
    if (!(await stat(dir)).isDirectory()) throw new DatasetError('DATASET_NOT_FOUND', `${root} is not a folder: give the folder that holds one sub-folder per class`);
    names = await readdir(dir);
  } catch (e) {
    if (e instanceof DatasetError) throw e;
    const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : `cannot be read (${(e as Error).message})`;
    throw new DatasetError('DATASET_NOT_FOUND', `dataset folder ${root} ${why}`, { cause: e });
  }

  const visible = names.filter((n) => !n.startsWith('.')).sort(compareCodePoints);
  const classNames: string[] = [];
  let imagesAtRoot = 0;
  for (const name of visible) {
    const kind = await entryKind(join(dir, name));
    if (kind === 'folder') classNames.push(name);
    else if (kind === 'file' && extensions.has(extname(name).toLowerCase())) imagesAtRoot++;
  }
  if (classNames.length === 0) {
    const found = imagesAtRoot > 0 ? ` (it holds ${imagesAtRoot} image${imagesAtRoot === 1 ? '' : 's'} directly)` : '';
    throw new DatasetError(
      'DATASET_NO_CLASSES',
      `${root} has no class sub-folders${found}: put the images of each class in a sub-folder named after the class, e.g. ${join(root, 'cat', '1.jpg')}`,
    );
  }

  const items: LabeledImage[] = [];
  for (const [label, className] of classNames.entries()) {
    const classDir = join(dir, className);
    const files = (await readdir(classDir)).filter((n) => !n.startsWith('.') && extensions.has(extname(n).toLowerCase())).sort(compareCodePoints);
    let count = 0;
    for (const file of files) {
      const path = join(classDir, file);
      if ((await entryKind(path)) !== 'file') continue;
      items.push({ path, label });
      count++;
    }
    if (count === 0) {
      throw new DatasetError(
        'DATASET_EMPTY_CLASS',
        `class folder ${join(root, className)} has no images (looked for ${[...extensions].join(', ')}); add images or remove the folder`,
      );
    }
  }
  return new ImageDataset(classNames, items);
}

/** 'folder', 'file' or 'other', following symbolic links; a broken link is 'other'. */
async function entryKind(path: string): Promise<'folder' | 'file' | 'other'> {
  try {
    const s = await stat(path);
    return s.isDirectory() ? 'folder' : s.isFile() ? 'file' : 'other';
  } catch {
    return 'other';
  }
}
