// @ts-nocheck -- AssemblyScript (compiled by scripts/build-wasm.mjs), not part of the TypeScript program.
import { requantize4, finish8, storeBytes, TiesUp, TiesAway, PerChannel, PerChannelLeftShift, PerTensor } from './requantize';

/*
 * Quantized GEMM for 1×1 convolutions, im2col'd convolutions and fully connected layers:
 * out[r][c] = requantize(bias[c] + Σk a[r][k] · w[c][k]) for `rows` rows and `n` channels.
 *
 * a: int16 rows (input − input zero point), `lda` bytes apart, an even number of values per
 *    row (a zero pad when K is odd), readable for three rows past the last (tiles are 4 rows).
 * w: int8 s = filter − offset (offset 128 for uint8 filters, 0 for int8), packed in blocks of 8
 *    output channels: for each pair of k, 8 bytes [c0:k,k+1 | c1 | c2 | c3] then 8 bytes for
 *    c4..c7 (zeros past n). v128.load8x8_s widens them to int16 as it loads, so the weights
 *    take half the memory of int16 copies at no cost in the loop. With the pair of
 *    activations splatted across a vector, one i32x4.dot_i16x8_s adds two products into each
 *    of four channels: no horizontal sums, and the int32 accumulators are exact.
 * d: offset − filter zero point, so that filter − zero point = s + d: the accumulators start
 *    at d · Σk a[r][k] for their row (computed once per chunk of rows), which makes them
 *    Σk a·(filter − zero point) exactly (mod 2^32, like the int32 arithmetic they stand for).
 * out: bytes, `ldo` bytes per row. Each row's channel block is stored as 8 bytes, so the
 *    last, partial block writes past its row; blocks are visited last to first and rows in
 *    order, so whatever it overwrites is written again later. The very last row stores only
 *    its own bytes: nothing past the output is touched.
 */

const ROWS_PER_CHUNK = 64; // rows whose activations stay in cache while every channel block passes over them
/** d · (row sum) of each row of the current chunk, as int32 (64 rows + 3 past the end of a tile); below the JS heap's base (wasm/heap.ts). */
const ROW_CORRECTIONS: usize = 256;

/** Writes d · Σ a[r][k] for rows r0 .. r0 + count − 1 (each `lda` bytes apart, kPairs pairs of int16) to ROW_CORRECTIONS. */
// @ts-ignore: decorator
@inline
function rowCorrections(a: usize, lda: usize, r0: i32, count: i32, kPairs: i32, d: i32): void {
  const ones = i16x8.splat(1);
  const bytes = <usize>kPairs << 2;
  const vectorBytes = bytes & ~(<usize>15);
  for (let i = 0; i < count; i++) {
    const row = a + <usize>(r0 + i) * lda;
    let s = i32x4.splat(0);
    let p: usize = 0;
    for (; p < vectorBytes; p += 16) s = i32x4.add(s, i32x4.dot_i16x8_s(v128.load(row + p), ones));
    let sum = i32x4.extract_lane(s, 0) + i32x4.extract_lane(s, 1) + i32x4.extract_lane(s, 2) + i32x4.extract_lane(s, 3);
    for (; p < bytes; p += 2) sum += <i32>load<i16>(row + p);
    store<i32>(ROW_CORRECTIONS + (<usize>i << 2), sum * d);
  }
}

// @ts-ignore: decorator
@inline
function gemmCore<T, R, Q>(a: usize, lda: usize, rows: i32, w: usize, kPairs: i32, n: i32, table: usize, tableStride: usize,
  multiplier: i32, shift: i32, out: usize, ldo: usize, zpOut: i32, lo: i32, hi: i32, d: i32): void {
  const blocks = (n + 7) >> 3;
  const m = i32x4.splat(multiplier);
  const mask = i32x4.splat((1 << shift) - 1);
  const half = i32x4.splat(((1 << shift) - 1) >> 1);
  const zp16 = i16x8.splat(<i16>zpOut);
  const lo8 = i8x16.splat(<i8>lo);
  const hi8 = i8x16.splat(<i8>hi);
  const blockBytes = <usize>kPairs * 16;
  for (let r0 = 0; r0 < rows; r0 += ROWS_PER_CHUNK) {
    const r1 = min(r0 + ROWS_PER_CHUNK, rows);
    // Tiles of 4 rows read up to 3 rows past r1 (readable, see above): their outputs are never stored.
    if (d != 0) rowCorrections(a, lda, r0, ((r1 - r0 + 3) >> 2) << 2, kPairs, d);
    else memory.fill(ROW_CORRECTIONS, 0, <usize>(ROWS_PER_CHUNK + 4) << 2);
    for (let j = blocks - 1; j >= 0; j--) {
      const wBlock = w + <usize>j * blockBytes;
      const t = table + (<usize>j << 5);
      const o = out + (<usize>j << 3);
      const lastCount = min(8, n - (j << 3)); // bytes of this block in the last row
      for (let r = r0; r < r1; r += 4) {
        let a0 = a + <usize>r * lda;
        let a1 = a0 + lda;
        let a2 = a1 + lda;
        let a3 = a2 + lda;
        const corr = ROW_CORRECTIONS + (<usize>(r - r0) << 2);
        let c00 = v128.load32_splat(corr), c01 = c00;
        let c10 = v128.load32_splat(corr, 4), c11 = c10;
        let c20 = v128.load32_splat(corr, 8), c21 = c20;
        let c30 = v128.load32_splat(corr, 12), c31 = c30;
        let wp = wBlock;
        for (let k = 0; k < kPairs; k++) {
          const w0 = v128.load8x8_s(wp);
          const w1 = v128.load8x8_s(wp, 8);
          let x = v128.load32_splat(a0);
          c00 = i32x4.add(c00, i32x4.dot_i16x8_s(x, w0));
          c01 = i32x4.add(c01, i32x4.dot_i16x8_s(x, w1));
          x = v128.load32_splat(a1);
          c10 = i32x4.add(c10, i32x4.dot_i16x8_s(x, w0));
          c11 = i32x4.add(c11, i32x4.dot_i16x8_s(x, w1));
          x = v128.load32_splat(a2);
          c20 = i32x4.add(c20, i32x4.dot_i16x8_s(x, w0));
          c21 = i32x4.add(c21, i32x4.dot_i16x8_s(x, w1));
          x = v128.load32_splat(a3);
          c30 = i32x4.add(c30, i32x4.dot_i16x8_s(x, w0));
          c31 = i32x4.add(c31, i32x4.dot_i16x8_s(x, w1));
          a0 += 4;
          a1 += 4;
          a2 += 4;
          a3 += 4;
          wp += 16;
        }
        const row = o + <usize>r * ldo;
        const last = rows - 1 - r; // which row of the tile is the output's last row
        storeBytes(row, finish8<T>(requantize4<R, Q>(c00, t, tableStride, m, shift, mask, half), requantize4<R, Q>(c01, t + 16, tableStride, m, shift, mask, half), zp16, lo8, hi8), last == 0 ? lastCount : 8);
        if (last < 1) continue;
        storeBytes(row + ldo, finish8<T>(requantize4<R, Q>(c10, t, tableStride, m, shift, mask, half), requantize4<R, Q>(c11, t + 16, tableStride, m, shift, mask, half), zp16, lo8, hi8), last == 1 ? lastCount : 8);
        if (last < 2) continue;
        storeBytes(row + 2 * ldo, finish8<T>(requantize4<R, Q>(c20, t, tableStride, m, shift, mask, half), requantize4<R, Q>(c21, t + 16, tableStride, m, shift, mask, half), zp16, lo8, hi8), last == 2 ? lastCount : 8);
        if (last < 3) continue;
        storeBytes(row + 3 * ldo, finish8<T>(requantize4<R, Q>(c30, t, tableStride, m, shift, mask, half), requantize4<R, Q>(c31, t + 16, tableStride, m, shift, mask, half), zp16, lo8, hi8), last == 3 ? lastCount : 8);
      }
    }
  }
}

/** Bits of the variant number N of gemmN and depthwiseN. */
export const FLAG_SIGNED_OUTPUT = 1; // int8 output (else uint8)
export const FLAG_ROUND_AWAY = 2; // gemmlowp rounding for the final shift (else ties toward +∞)
export const FLAG_PER_TENSOR = 4; // one multiplier and shift (the arguments) for every channel
export const FLAG_LEFT_SHIFT = 8; // some channel shifts left (per channel only)

// One export per variant (flags value), so that the engine compiles only the variants a model uses.
export function gemm0(a: usize, lda: usize, rows: i32, w: usize, kPairs: i32, n: i32, table: usize, tableStride: usize,
  multiplier: i32, shift: i32, out: usize, ldo: usize, zpOut: i32, lo: i32, hi: i32, d: i32): void {
  gemmCore<u8, TiesUp, PerChannel>(a, lda, rows, w, kPairs, n, table, tableStride, multiplier, shift, out, ldo, zpOut, lo, hi, d);
}
export function gemm1(a: usize, lda: usize, rows: i32, w: usize, kPairs: i32, n: i32, table: usize, tableStride: usize,
  multiplier: i32, shift: i32, out: usize, ldo: usize, zpOut: i32, lo: i32, hi: i32, d: i32): void {
  gemmCore<i8, TiesUp, PerChannel>(a, lda, rows, w, kPairs, n, table, tableStride, multiplier, shift, out, ldo, zpOut, lo, hi, d);
}
export function gemm2(a: usize, lda: usize, rows: i32, w: usize, kPairs: i32, n: i32, table: usize, tableStride: usize,
  multiplier: i32, shift: i32, out: usize, ldo: usize, zpOut: i32, lo: i32, hi: i32, d: i32): void {
  gemmCore<u8, TiesAway, PerChannel>(a, lda, rows, w, kPairs, n, table, tableStride, multiplier, shift, out, ldo, zpOut, lo, hi, d);
}
export function gemm3(a: usize, lda: usize, rows: i32, w: usize, kPairs: i32, n: i32, table: usize, tableStride: usize,
  multiplier: i32, shift: i32, out: usize, ldo: usize, zpOut: i32, lo: i32, hi: i32, d: i32): void {
  gemmCore<i8, TiesAway, PerChannel>(a, lda, rows, w, kPairs, n, table, tableStride, multiplier, shift, out, ldo, zpOut, lo, hi, d);
}
export function gemm4(a: usize, lda: usize, rows: i32, w: usize, kPairs: i32, n: i32, table: usize, tableStride: usize,
  multiplier: i32, shift: i32, out: usize, ldo: usize, zpOut: i32, lo: i32, hi: i32, d: i32): void {
  gemmCore<u8, TiesUp, PerTensor>(a, lda, rows, w, kPairs, n, table, tableStride, multiplier, shift, out, ldo, zpOut, lo, hi, d);
}
export function gemm5(a: usize, lda: usize, rows: i32, w: usize, kPairs: i32, n: i32, table: usize, tableStride: usize,
  multiplier: i32, shift: i32, out: usize, ldo: usize, zpOut: i32, lo: i32, hi: i32, d: i32): void {
  gemmCore<i8, TiesUp, PerTensor>(a, lda, rows, w, kPairs, n, table, tableStride, multiplier, shift, out, ldo, zpOut, lo, hi, d);
}
export function gemm6(a: usize, lda: usize, rows: i32, w: usize, kPairs: i32, n: i32, table: usize, tableStride: usize,
  multiplier: i32, shift: i32, out: usize, ldo: usize, zpOut: i32, lo: i32, hi: i32, d: i32): void {
  gemmCore<u8, TiesAway, PerTensor>(a, lda, rows, w, kPairs, n, table, tableStride, multiplier, shift, out, ldo, zpOut, lo, hi, d);
}
export function gemm7(a: usize, lda: usize, rows: i32, w: usize, kPairs: i32, n: i32, table: usize, tableStride: usize,
  multiplier: i32, shift: i32, out: usize, ldo: usize, zpOut: i32, lo: i32, hi: i32, d: i32): void {
  gemmCore<i8, TiesAway, PerTensor>(a, lda, rows, w, kPairs, n, table, tableStride, multiplier, shift, out, ldo, zpOut, lo, hi, d);
}
export function gemm8(a: usize, lda: usize, rows: i32, w: usize, kPairs: i32, n: i32, table: usize, tableStride: usize,
  multiplier: i32, shift: i32, out: usize, ldo: usize, zpOut: i32, lo: i32, hi: i32, d: i32): void {
  gemmCore<u8, TiesUp, PerChannelLeftShift>(a, lda, rows, w, kPairs, n, table, tableStride, multiplier, shift, out, ldo, zpOut, lo, hi, d);
}
export function gemm9(a: usize, lda: usize, rows: i32, w: usize, kPairs: i32, n: i32, table: usize, tableStride: usize,
  multiplier: i32, shift: i32, out: usize, ldo: usize, zpOut: i32, lo: i32, hi: i32, d: i32): void {
  gemmCore<i8, TiesUp, PerChannelLeftShift>(a, lda, rows, w, kPairs, n, table, tableStride, multiplier, shift, out, ldo, zpOut, lo, hi, d);
}
export function gemm10(a: usize, lda: usize, rows: i32, w: usize, kPairs: i32, n: i32, table: usize, tableStride: usize,
  multiplier: i32, shift: i32, out: usize, ldo: usize, zpOut: i32, lo: i32, hi: i32, d: i32): void {
  gemmCore<u8, TiesAway, PerChannelLeftShift>(a, lda, rows, w, kPairs, n, table, tableStride, multiplier, shift, out, ldo, zpOut, lo, hi, d);
}
export function gemm11(a: usize, lda: usize, rows: i32, w: usize, kPairs: i32, n: i32, table: usize, tableStride: usize,
  multiplier: i32, shift: i32, out: usize, ldo: usize, zpOut: i32, lo: i32, hi: i32, d: i32): void {
  gemmCore<i8, TiesAway, PerChannelLeftShift>(a, lda, rows, w, kPairs, n, table, tableStride, multiplier, shift, out, ldo, zpOut, lo, hi, d);
}
