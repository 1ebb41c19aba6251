/**
 * Filter layouts of the WebAssembly kernels, written once at prepare time straight into wasm
 * memory from the model's 8-bit filters: GEMM filters stay 8-bit (see packGemmWeights),
 * depthwise filters (small) become (w − filter zero point) in int16.
 */
import type { HeapBlock, WasmHeap } from './heap.js';

/** Rounds up to a multiple of 8 (channel blocks of the kernels). */
export const roundUp8 = (n: number): number => Math.ceil(n / 8) * 8;

/** A zeroed block of `count` int16 values and a view to fill it through. */
function int16Block(heap: WasmHeap, count: number): { block: HeapBlock; view: Int16Array } {
  const block = heap.alloc(count * 2);
  const view = new Int16Array(heap.u8.buffer, block.ptr, count);
  view.fill(0);
  return { block, view };
}

/** A run of output channels whose packed GEMM weights lie at one address. */
export interface GemmWeightPart {
  readonly ptr: number;
  /** The part's first output channel (a multiple of 8). */
  readonly firstChannel: number;
  readonly channels: number;
}

/** GEMM weights in wasm memory, and the constant that turns them back into (w − zero point). */
export interface PackedGemmWeights {
  /**
   * Where the weights are, in the order the GEMM must visit them: a last, partial block of
   * channels kept apart comes first, because its stores spill into the next row's first
   * channels, which the other part then writes again (see assembly/gemm.ts).
   */
  readonly parts: readonly GemmWeightPart[];
  /** Blocks allocated for them (the caller owns these; in-place weights belong to the model's bytes). */
  readonly blocks: readonly HeapBlock[];
  /** offset − zero point: w − zero point = stored value + zeroCorrection (the GEMM's argument d). */
  readonly zeroCorrection: number;
}

/**
 * Writes `count` (≤ 8) rows of k weights, from `weights[rowBase ...]`, minus `offset`, as one
 * packed block of 8 channels at `dst[at ...]` (see packGemmWeights). Channels past `count` and
 * the odd k past the end are left as they are (zeros in a zero-filled block).
 */
function packBlock(dst: Int8Array, at: number, weights: ArrayLike<number>, rowBase: number, count: number, k: number, offset: number): void {
  for (let c = 0; c < count; c++) {
    const base = at + ((c >> 2) & 1) * 8 + (c & 3) * 2;
    const row = rowBase + c * k;
    for (let i = 0; i < k; i++) dst[base + (i >> 1) * 16 + (i & 1)] = weights[row + i]! - offset;
  }
}

/**
 * GEMM weights [n][k] → int8 (w − offset), offset 128 for uint8 and 0 for int8 weights, so that
 * every value fits a byte whatever the zero point (the GEMM adds back offset − zero point, see
 * assembly/gemm.ts): half the memory of int16 copies. Blocks of 8 output channels; within a
 * block, for each pair of k, channels 0–3 then 4–7, each as (w[k], w[k+1]). Missing channels
 * and the odd k past the end are zeros.
 *
 * `inPlace`: the weights are bytes of wasm memory that the caller owns and nothing else reads
 * (RuntimeTensor.writableInPrepare). With k even, a block of 8 packed channels takes exactly
 * the bytes of its 8 source rows, so the whole blocks are rewritten where they are and only a
 * last, partial block gets memory of its own: the model file's bytes become the weights.
 */
export function packGemmWeights(heap: WasmHeap, weights: Uint8Array | Int8Array, zeroPoint: number, n: number, k: number, inPlace = false): PackedGemmWeights {
  const kPairs = Math.ceil(k / 2);
  const blockBytes = kPairs * 16;
  const offset = weights instanceof Uint8Array ? 128 : 0;
  const zeroCorrection = offset - zeroPoint;
  const address = inPlace ? heap.addressOf(weights) : null;
  const whole = n - (n % 8);
  if (address === null || k % 2 !== 0 || whole === 0) {
    const block = heap.alloc(roundUp8(n) * kPairs * 2);
    const view = new Int8Array(heap.u8.buffer, block.ptr, block.size);
    view.fill(0);
    for (let c = 0; c < n; c += 8) packBlock(view, (c >> 3) * blockBytes, weights, c * k, Math.min(8, n - c), k, offset);
    return { parts: [{ ptr: block.ptr, firstChannel: 0, channels: n }], blocks: [block], zeroCorrection };
  }
  const parts: GemmWeightPart[] = [];
  const blocks: HeapBlock[] = [];
  if (whole < n) {
    const tail = heap.alloc(blockBytes);
    const view = new Int8Array(heap.u8.buffer, tail.ptr, tail.size);
    view.fill(0);
    packBlock(view, 0, weights, whole * k, n - whole, k, offset);
    parts.push({ ptr: tail.ptr, firstChannel: whole, channels: n - whole });
    blocks.push(tail);
  }
  // Each block's destination is exactly its own source rows: copy them out, then pack back.
  const dst = new Int8Array(heap.u8.buffer, address, whole * k);
  const source = weights instanceof Uint8Array ? new Uint8Array(blockBytes) : new Int8Array(blockBytes);
  for (let c = 0; c < whole; c += 8) {
    // An element loop rather than set(subarray()): no view object per block.
    const from = c * k;
    for (let i = 0; i < blockBytes; i++) source[i] = weights[from + i]!;
    packBlock(dst, from, source, 0, 8, k, offset);
  }
  parts.push({ ptr: address, firstChannel: 0, channels: whole });
  return { parts, blocks, zeroCorrection };
}

/**
 * Depthwise weights [taps][channels] → for each group of 8 channels, for each pair of taps
 * (a, b), 8 int16 (a, b) for channels 0–3 then 8 for channels 4–7 (see assembly/depthwise.ts).
 * An odd last tap is paired with a zero weight; missing channels are zeros.
 */
export function packDepthwiseWeights(heap: WasmHeap, weights: Uint8Array | Int8Array, zeroPoint: number, taps: number, channels: number): HeapBlock {
  const pairs = Math.ceil(taps / 2);
  const { block, view } = int16Block(heap, (roundUp8(channels) / 8) * pairs * 16);
  for (let c = 0; c < channels; c++) {
    const base = (c >> 3) * pairs * 16 + ((c >> 2) & 1) * 8 + (c & 3) * 2;
    for (let t = 0; t < taps; t++) view[base + (t >> 1) * 16 + (t & 1)] = weights[t * channels + c]! - zeroPoint;
  }
  return block;
}

/**
 * Byte offsets of a filter's taps from the window's first pixel in the padded input, in pairs
 * (an odd last tap repeated), padded to at least 10 entries (the kernel's 3×3 path reads 10).
 */
export function depthwiseTapOffsets(kH: number, kW: number, dilationH: number, dilationW: number, rowBytes: number, pixelBytes: number): Int32Array {
  const taps = kH * kW;
  const offsets = new Int32Array(Math.max(10, 2 * Math.ceil(taps / 2)));
  for (let t = 0; t < offsets.length; t++) {
    const tap = Math.min(t, taps - 1);
    offsets[t] = Math.floor(tap / kW) * dilationH * rowBytes + (tap % kW) * dilationW * pixelBytes;
  }
  return offsets;
}
