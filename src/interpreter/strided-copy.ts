import { bytesPerElement } from '../tflite/index.js';
import type { RuntimeTensor } from './tensor.js';

/** A tensor's memory as whole machine words: copies never pass through float or BigInt values. */
export type RawWords = Uint8Array | Uint16Array | Int32Array;

export interface RawView {
  words: RawWords;
  /** Words per element: 1, or 2 for 8-byte types seen as Int32 pairs (and so on). */
  wordsPerElement: number;
}

/** The widest word (4, 2 or 1 bytes) that divides the element size and every tensor's alignment. */
function wordBytesFor(tensors: readonly RuntimeTensor[]): number {
  const size = bytesPerElement(tensors[0]!.dtype) ?? 1;
  for (const w of [4, 2]) {
    if (size % w === 0 && tensors.every((t) => t.bytes.byteOffset % w === 0)) return w;
  }
  return 1;
}

/**
 * The tensors' bytes (all of one element type) as the widest common word type. Copying
 * float32 through an Int32Array keeps NaN payloads bit for bit; int64 moves as Int32 pairs.
 */
export function rawViews(tensors: readonly RuntimeTensor[]): RawView[] {
  const w = wordBytesFor(tensors);
  const size = bytesPerElement(tensors[0]!.dtype) ?? 1;
  return tensors.map((t) => {
    const { buffer, byteOffset, byteLength } = t.bytes;
    const words = w === 4 ? new Int32Array(buffer, byteOffset, byteLength >> 2) : w === 2 ? new Uint16Array(buffer, byteOffset, byteLength >> 1) : new Uint8Array(buffer, byteOffset, byteLength);
    return { words, wordsPerElement: size / w };
  });
}

/** Row-major element strides of a shape. */
export function stridesOf(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i]!;
  }
  return strides;
}

/**
 * Copies a box of elements between two strided layouts: element (i0, i1, ...) of the box
 * is read at srcOffset + Σ ik·srcStrides[k] and written at dstOffset + Σ ik·dstStrides[k].
 * Strides and offsets are in elements; negative source strides walk backwards. Built once
 * (dimensions of size 1 dropped, contiguous neighbours merged), run without allocating.
 */
export class StridedCopy {
  private readonly shape: Int32Array;
  private readonly srcStrides: Int32Array;
  private readonly dstStrides: Int32Array;
  private readonly counter: Int32Array;
  private readonly empty: boolean;

  constructor(shape: readonly number[], srcStrides: readonly number[], dstStrides: readonly number[], wordsPerElement = 1) {
    this.empty = shape.some((d) => d === 0);
    // One extra innermost dimension walks the words of a multi-word element.
    const dims: Array<[number, number, number]> = shape.map((d, k) => [d, srcStrides[k]! * wordsPerElement, dstStrides[k]! * wordsPerElement]);
    dims.push([wordsPerElement, 1, 1]);
    const merged: Array<[number, number, number]> = [];
    for (const dim of dims) {
      if (dim[0] === 1) continue;
      const last = merged[merged.length - 1];
      if (last && last[1] === dim[0] * dim[1] && last[2] === dim[0] * dim[2]) {
        merged[merged.length - 1] = [last[0] * dim[0], dim[1], dim[2]];
      } else merged.push(dim);
    }
    if (merged.length === 0) merged.push([1, 1, 1]);
    this.shape = Int32Array.from(merged, (d) => d[0]);
    this.srcStrides = Int32Array.from(merged, (d) => d[1]);
    this.dstStrides = Int32Array.from(merged, (d) => d[2]);
    this.counter = new Int32Array(merged.length);
  }

  /** Offsets are in elements of the layouts given to the constructor. */
  run(src: RawWords, srcOffset: number, dst: RawWords, dstOffset: number, wordsPerElement = 1): void {
    if (this.empty) return;
    const { shape, srcStrides, dstStrides, counter } = this;
    const n = shape.length;
    const inner = shape[n - 1]!;
    const is = srcStrides[n - 1]!;
    const ds = dstStrides[n - 1]!;
    counter.fill(0);
    let s = srcOffset * wordsPerElement;
    let d = dstOffset * wordsPerElement;
    for (;;) {
      for (let i = 0, si = s, di = d; i < inner; i++, si += is, di += ds) dst[di] = src[si]!;
      let k = n - 2;
      for (; k >= 0; k--) {
        counter[k]!++;
        s += srcStrides[k]!;
        d += dstStrides[k]!;
        if (counter[k]! < shape[k]!) break;
        s -= srcStrides[k]! * shape[k]!;
        d -= dstStrides[k]! * shape[k]!;
        counter[k] = 0;
      }
      if (k < 0) return;
    }
  }
}

/**
 * Fills `bytes` with copies of one element's bytes (`pattern`), doubling the filled
 * prefix each step: no allocation, a handful of native copies.
 */
export function fillWithElement(bytes: Uint8Array, pattern: Uint8Array): void {
  const size = pattern.length;
  if (bytes.length < size) return;
  bytes.set(pattern, 0);
  let filled = size;
  while (filled < bytes.length) {
    const n = Math.min(filled, bytes.length - filled);
    bytes.copyWithin(filled, 0, n);
    filled += n;
  }
}
