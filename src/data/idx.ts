import { readFile, stat } from 'node:fs/promises';
import { promisify } from 'node:util';
import { gunzip as gunzipCallback } from 'node:zlib';
import { InvalidIdxError } from './errors.js';

const gunzip = promisify(gunzipCallback);

/*
 * IDX is the MNIST file format: two zero bytes, a type byte, a dimension count, that
 * many big-endian uint32 sizes, then the values, big-endian, row-major.
 */

export type IdxDType = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';
export type IdxData = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

export interface IdxArray {
  readonly dims: readonly number[];
  readonly dtype: IdxDType;
  /** The values in native byte order. For uint8 a view of the (decompressed) file bytes. */
  readonly data: IdxData;
}

const TYPES: Record<number, { dtype: IdxDType; size: number }> = {
  0x08: { dtype: 'uint8', size: 1 },
  0x09: { dtype: 'int8', size: 1 },
  0x0b: { dtype: 'int16', size: 2 },
  0x0c: { dtype: 'int32', size: 4 },
  0x0d: { dtype: 'float32', size: 4 },
  0x0e: { dtype: 'float64', size: 8 },
};

export interface ReadIdxOptions {
  /** Largest file, after decompression, in bytes (default 1 GiB): stops gzip bombs. */
  readonly maxBytes?: number;
}

const DEFAULT_MAX_BYTES = 1024 * 1024 * 1024;

/** Parses an uncompressed IDX file held in memory. */
export function parseIdx(bytes: Uint8Array, name = '<buffer>'): IdxArray {
  if (bytes.length < 4) throw new InvalidIdxError(name, `too short for an IDX header (${bytes.length} bytes)`);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    const magic = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
    throw new InvalidIdxError(name, `not an IDX file: it starts with ${magic}, not 00 00`);
  }
  const type = TYPES[bytes[2]!];
  if (!type) throw new InvalidIdxError(name, `unknown IDX value type 0x${bytes[2]!.toString(16).padStart(2, '0')}`);
  const rank = bytes[3]!;
  if (rank === 0) throw new InvalidIdxError(name, 'the IDX header declares no dimensions');
  const headerSize = 4 + 4 * rank;
  if (bytes.length < headerSize) throw new InvalidIdxError(name, `truncated: the header declares ${rank} dimensions but the file has ${bytes.length} bytes`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i, false));
  const count = dims.reduce((a, b) => a * b, 1);
  const expected = headerSize + count * type.size;
  if (expected !== bytes.length) {
    const shape = `${dims.join('x')} ${type.dtype}`;
    throw new InvalidIdxError(
      name,
      expected > bytes.length
        ? `truncated: ${shape} needs ${expected} bytes, the file has ${bytes.length}`
        : `${bytes.length - expected} bytes more than ${shape} needs (${expected}); the header does not match the data`,
    );
  }
  return { dims, dtype: type.dtype, data: valuesOf(view, headerSize, count, type.dtype, type.size) };
}

function valuesOf(view: DataView, offset: number, count: number, dtype: IdxDType, size: number): IdxData {
  const bytes = new Uint8Array(view.buffer, view.byteOffset + offset, count * size);
  switch (dtype) {
    case 'uint8':
      return bytes;
    case 'int8':
      return new Int8Array(bytes.buffer, bytes.byteOffset, count);
    case 'int16':
      return Int16Array.from({ length: count }, (_, i) => view.getInt16(offset + 2 * i, false));
    case 'int32':
      return Int32Array.from({ length: count }, (_, i) => view.getInt32(offset + 4 * i, false));
    case 'float32':
      return Float32Array.from({ length: count }, (_, i) => view.getFloat32(offset + 4 * i, false));
    case 'float64':
      return Float64Array.from({ length: count }, (_, i) => view.getFloat64(offset + 8 * i, false));
  }
}

/** Reads an IDX file, gunzipping it first when it starts with the gzip magic (1f 8b). */
export async function readIdx(input: string | Uint8Array, options: ReadIdxOptions = {}): Promise<IdxArray> {
  const name = typeof input === 'string' ? input : '<buffer>';
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  let bytes: Uint8Array;
  if (typeof input === 'string') {
    try {
      if ((await stat(input)).size > maxBytes) throw new InvalidIdxError(name, `the file is larger than the limit of ${maxBytes} bytes`);
      bytes = await readFile(input);
    } catch (e) {
      if (e instanceof InvalidIdxError) throw e;
      const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message;
      throw new InvalidIdxError(name, `cannot read the file: ${why}`, { cause: e });
    }
  } else {
    bytes = input;
  }
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = await gunzip(bytes, { maxOutputLength: maxBytes });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      const why =
        code === 'ERR_BUFFER_TOO_LARGE'
          ? `it decompresses to more than the limit of ${maxBytes} bytes`
          : code === 'Z_BUF_ERROR'
            ? 'the gzip data is truncated'
            : `the gzip data is corrupt (${(e as Error).message})`;
      throw new InvalidIdxError(name, why, { cause: e });
    }
  }
  return parseIdx(bytes, name);
}

/** An MNIST-style image set: N images of H x W uint8 pixels and N uint8 labels. */
export interface IdxImageSet {
  readonly count: number;
  readonly height: number;
  readonly width: number;
  /** count * height * width pixels, image after image. */
  readonly images: Uint8Array;
  readonly labels: Uint8Array;
}

/** Reads a pair of IDX files (e.g. train-images-idx3-ubyte.gz and train-labels-idx1-ubyte.gz) and checks they belong together. */
export async function readIdxImageSet(imagesPath: string, labelsPath: string, options: ReadIdxOptions = {}): Promise<IdxImageSet> {
  const [images, labels] = await Promise.all([readIdx(imagesPath, options), readIdx(labelsPath, options)]);
  if (images.dtype !== 'uint8' || images.dims.length !== 3) {
    throw new InvalidIdxError(imagesPath, `expected N x H x W uint8 images, found ${images.dims.join('x')} ${images.dtype}`);
  }
  if (labels.dtype !== 'uint8' || labels.dims.length !== 1) {
    throw new InvalidIdxError(labelsPath, `expected N uint8 labels, found ${labels.dims.join('x')} ${labels.dtype}`);
  }
  if (labels.dims[0] !== images.dims[0]) {
    throw new InvalidIdxError(labelsPath, `has ${labels.dims[0]} labels but ${imagesPath} has ${images.dims[0]} images`);
  }
  const [count, height, width] = images.dims as [number, number, number];
  return { count, height, width, images: images.data as Uint8Array, labels: labels.data as Uint8Array };
}
