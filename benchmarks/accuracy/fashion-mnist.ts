/**
 * Fashion-MNIST (Xiao et al. 2017): 28×28 grayscale clothing photos, 10 classes, 60000
 * training and 10000 test images, read from the IDX files with src/data.
 */
import { join } from 'node:path';
import { readIdxImageSet, seededRandom, shuffled, type IdxImageSet } from '../../src/data/index.js';
import type { RgbImage } from '../../src/image/index.js';

export const CLASS_NAMES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'] as const;
export const NUM_CLASSES = CLASS_NAMES.length;

export type Split = 'train' | 'test';

export interface FashionMnist {
  train: IdxImageSet;
  test: IdxImageSet;
}

export async function loadFashionMnist(dir: string): Promise<FashionMnist> {
  const [train, test] = await Promise.all([
    readIdxImageSet(join(dir, 'train-images-idx3-ubyte.gz'), join(dir, 'train-labels-idx1-ubyte.gz')),
    readIdxImageSet(join(dir, 't10k-images-idx3-ubyte.gz'), join(dir, 't10k-labels-idx1-ubyte.gz')),
  ]);
  return { train, test };
}

/** Image `index` of the set, its gray level copied into R, G and B. */
export function rgbOf(set: IdxImageSet, index: number): RgbImage {
  const pixels = set.width * set.height;
  const gray = set.images.subarray(index * pixels, (index + 1) * pixels);
  const data = new Uint8Array(pixels * 3);
  for (let i = 0; i < pixels; i++) data[3 * i] = data[3 * i + 1] = data[3 * i + 2] = gray[i]!;
  return { width: set.width, height: set.height, data };
}

/**
 * `perClass` indices of each class, drawn without replacement by a seeded shuffle of the
 * whole set (the same seed gives the same draw everywhere); class after class.
 */
export function stratifiedSample(labels: ArrayLike<number>, perClass: number, seed: number, from?: readonly number[]): number[] {
  const pool = from ?? Array.from({ length: labels.length }, (_, i) => i);
  const order = shuffled(pool, seededRandom(seed));
  const out: number[] = [];
  for (let c = 0; c < NUM_CLASSES; c++) {
    const picked = order.filter((i) => labels[i] === c).slice(0, perClass);
    if (picked.length < perClass) throw new RangeError(`class ${c} has only ${picked.length} images, ${perClass} wanted`);
    out.push(...picked);
  }
  return out;
}
