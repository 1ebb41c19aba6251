import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { compareCodePoints } from '../data/index.js';
import { CommandError } from './command-error.js';

/** What `edgetpu-learn embed --output F.json` writes. */
export interface EmbeddingsDocument {
  /** The model argument the embeddings came from. */
  readonly model: string;
  readonly dim: number;
  readonly images: readonly string[];
  /** One row of `dim` values per image, in the order of `images`. */
  readonly embeddings: readonly (readonly number[])[];
}

/** Float32 values in as few digits as read back to the same float32. */
function float32Text(values: Float32Array): number[] {
  return Array.from(values, (v) => Number(v.toPrecision(9)));
}

export function embeddingsJson(model: string, images: readonly string[], rows: readonly Float32Array[]): string {
  const doc: EmbeddingsDocument = { model, dim: rows[0]?.length ?? 0, images, embeddings: rows.map(float32Text) };
  return JSON.stringify(doc) + '\n';
}

/**
 * A 2-D little-endian float32 NumPy array (.npy format version 1.0), which numpy.load reads:
 * magic, version, header length, a Python dict literal padded so the data starts at a
 * multiple of 64 bytes, then the values row after row.
 */
export function encodeNpy(rows: readonly Float32Array[], dim: number): Uint8Array {
  const dict = `{'descr': '<f4', 'fortran_order': False, 'shape': (${rows.length}, ${dim}), }`;
  const prefix = 10;
  const padded = Math.ceil((prefix + dict.length + 1) / 64) * 64;
  const header = dict.padEnd(padded - prefix - 1, ' ') + '\n';
  const out = new Uint8Array(padded + rows.length * dim * 4);
  out.set([0x93, ...Buffer.from('NUMPY', 'latin1'), 1, 0], 0);
  const view = new DataView(out.buffer);
  view.setUint16(8, header.length, true);
  out.set(Buffer.from(header, 'latin1'), prefix);
  let at = padded;
  for (const row of rows) {
    if (row.length !== dim) throw new RangeError(`every row must have ${dim} values, one has ${row.length}`);
    for (let i = 0; i < dim; i++, at += 4) view.setFloat32(at, row[i]!, true);
  }
  return out;
}

/** Reads an embeddings .json written by `edgetpu-learn embed`, checking its shape. */
export async function readEmbeddingsJson(path: string): Promise<{ images: string[]; rows: Float32Array[] }> {
  if (path.toLowerCase().endsWith('.npy')) {
    throw new CommandError('EMBEDDINGS', `${path}: give the .json form of 'edgetpu-learn embed' (it names the images, whose folders are the classes); a .npy holds the numbers only`);
  }
  let doc: Partial<EmbeddingsDocument>;
  try {
    doc = JSON.parse(await readFile(path, 'utf8')) as Partial<EmbeddingsDocument>;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : e instanceof SyntaxError ? `not JSON (${e.message})` : (e as Error).message;
    throw new CommandError('EMBEDDINGS', `${path}: cannot read the embeddings: ${why}`, { cause: e });
  }
  const { images, embeddings } = doc;
  if (!Array.isArray(images) || !Array.isArray(embeddings) || images.length !== embeddings.length || !images.every((i) => typeof i === 'string')) {
    throw new CommandError('EMBEDDINGS', `${path}: expected { "images": [paths], "embeddings": [[numbers]] } with one row per image, as 'edgetpu-learn embed' writes`);
  }
  const dim = (embeddings[0] as unknown[] | undefined)?.length ?? 0;
  const rows = embeddings.map((row, r) => {
    if (!Array.isArray(row) || row.length !== dim || !row.every((v) => typeof v === 'number' && Number.isFinite(v))) {
      throw new CommandError('EMBEDDINGS', `${path}: embedding ${r} (${images[r]}) is not ${dim} finite numbers like the first`);
    }
    return Float32Array.from(row);
  });
  return { images: images.slice(), rows };
}

/** Labels of an embeddings file: each image's folder name is its class (sorted names → ids). */
export function classesFromPaths(paths: readonly string[]): { classNames: string[]; labels: number[] } {
  const folderOf = (p: string): string => basename(dirname(p));
  const classNames = [...new Set(paths.map(folderOf))].sort(compareCodePoints);
  return { classNames, labels: paths.map((p) => classNames.indexOf(folderOf(p))) };
}
