// @ts-nocheck -- AssemblyScript (compiled by scripts/build-wasm.mjs), not part of the TypeScript program.
import { requantize4, finish8, storeBytes, TiesUp, TiesAway, PerChannel, PerChannelLeftShift, PerTensor } from './requantize';

/*
 * Quantized depthwise convolution over a zero-padded int16 input (see padWiden in layout.ts):
 * pixel (y, x) at inp + y·rowStride + x·2·cp, channels 0..cp−1 (cp = channels rounded up to 8,
 * and taps outside the image read the zero padding, which is the same as skipping them).
 *
 * Taps go in pairs: the inputs of two taps are interleaved channel by channel, so that one
 * i32x4.dot_i16x8_s adds both taps' products into four channels' exact int32 accumulators.
 * taps: for each pair, the byte offsets (int32) of its two taps from the window's first pixel
 *   (an odd last tap is paired with itself and a zero weight).
 * w: int16 (filter − filter zero point), for each group of 8 channels, for each pair, 16 values
 *   (tap a, tap b) for channels 0–3 then 16 for channels 4–7.
 * out: bytes [outH][outW][c]; the 8-byte stores of the last, partial channel group write past
 *   the pixel, so groups go last to first and pixels in order, and the very last pixel stores
 *   only its own bytes: nothing past the output is touched.
 */

/** acc + the products of a tap pair for channels 0–3 (low) or 4–7 (high) of xa, xb. */
// @ts-ignore: decorator
@inline
function pairLow(acc: v128, xa: v128, xb: v128, w: v128): v128 {
  return i32x4.add(acc, i32x4.dot_i16x8_s(i16x8.shuffle(xa, xb, 0, 8, 1, 9, 2, 10, 3, 11), w));
}
// @ts-ignore: decorator
@inline
function pairHigh(acc: v128, xa: v128, xb: v128, w: v128): v128 {
  return i32x4.add(acc, i32x4.dot_i16x8_s(i16x8.shuffle(xa, xb, 4, 12, 5, 13, 6, 14, 7, 15), w));
}

// @ts-ignore: decorator
@inline
function depthwiseCore<T, R, Q>(inp: usize, rowStride: usize, w: usize, taps: usize, pairs: i32, table: usize, tableStride: usize,
  multiplier: i32, shift: i32, out: usize, outH: i32, outW: i32, c: i32, cp: i32, strideH: i32, strideW: i32,
  zpOut: i32, lo: i32, hi: i32): void {
  const m = i32x4.splat(multiplier);
  const mask = i32x4.splat((1 << shift) - 1);
  const half = i32x4.splat(((1 << shift) - 1) >> 1);
  const lastX = outW - 1;
  const lastY = outH - 1;
  const groups = cp >> 3;
  const stepX = <usize>strideW * (<usize>cp << 1);
  const groupWeights = <usize>pairs << 5;
  const zp16 = i16x8.splat(<i16>zpOut);
  const lo8 = i8x16.splat(<i8>lo);
  const hi8 = i8x16.splat(<i8>hi);
  // Filters of 9 or 10 taps (3×3) keep their tap offsets in locals (the table has at least 10).
  const t0 = <usize>load<i32>(taps), t1 = <usize>load<i32>(taps, 4), t2 = <usize>load<i32>(taps, 8), t3 = <usize>load<i32>(taps, 12);
  const t4 = <usize>load<i32>(taps, 16), t5 = <usize>load<i32>(taps, 20), t6 = <usize>load<i32>(taps, 24), t7 = <usize>load<i32>(taps, 28);
  const t8 = <usize>load<i32>(taps, 32), t9 = <usize>load<i32>(taps, 36);
  for (let oy = 0; oy < outH; oy++) {
    const inRow = inp + <usize>(oy * strideH) * rowStride;
    const outRow = out + <usize>(oy * outW) * <usize>c;
    for (let g = groups - 1; g >= 0; g--) {
      const t = table + (<usize>g << 5);
      const wg = w + <usize>g * groupWeights;
      let px = inRow + (<usize>g << 4);
      let o = outRow + (<usize>g << 3);
      // Bytes of this group in the output's last pixel.
      const lastCount = oy == lastY ? min(8, c - (g << 3)) : 8;
      for (let ox = 0; ox < outW; ox++) {
        let accLo = i32x4.splat(0);
        let accHi = i32x4.splat(0);
        if (pairs == 5) {
          let xa = v128.load(px + t0), xb = v128.load(px + t1);
          accLo = pairLow(accLo, xa, xb, v128.load(wg));
          accHi = pairHigh(accHi, xa, xb, v128.load(wg, 16));
          xa = v128.load(px + t2); xb = v128.load(px + t3);
          accLo = pairLow(accLo, xa, xb, v128.load(wg, 32));
          accHi = pairHigh(accHi, xa, xb, v128.load(wg, 48));
          xa = v128.load(px + t4); xb = v128.load(px + t5);
          accLo = pairLow(accLo, xa, xb, v128.load(wg, 64));
          accHi = pairHigh(accHi, xa, xb, v128.load(wg, 80));
          xa = v128.load(px + t6); xb = v128.load(px + t7);
          accLo = pairLow(accLo, xa, xb, v128.load(wg, 96));
          accHi = pairHigh(accHi, xa, xb, v128.load(wg, 112));
          xa = v128.load(px + t8); xb = v128.load(px + t9);
          accLo = pairLow(accLo, xa, xb, v128.load(wg, 128));
          accHi = pairHigh(accHi, xa, xb, v128.load(wg, 144));
        } else {
          let tp = taps;
          let wp = wg;
          for (let p = 0; p < pairs; p++) {
            const xa = v128.load(px + <usize>load<i32>(tp));
            const xb = v128.load(px + <usize>load<i32>(tp, 4));
            accLo = pairLow(accLo, xa, xb, v128.load(wp));
            accHi = pairHigh(accHi, xa, xb, v128.load(wp, 16));
            tp += 8;
            wp += 32;
          }
        }
        storeBytes(o, finish8<T>(requantize4<R, Q>(accLo, t, tableStride, m, shift, mask, half), requantize4<R, Q>(accHi, t + 16, tableStride, m, shift, mask, half), zp16, lo8, hi8), ox == lastX ? lastCount : 8);
        px += stepX;
        o += <usize>c;
      }
    }
  }
}

// One export per variant (flags value), so that the engine compiles only the variants a model uses.
export function depthwise0(inp: usize, rowStride: usize, w: usize, taps: usize, pairs: i32, table: usize, tableStride: usize,
  multiplier: i32, shift: i32, out: usize, outH: i32, outW: i32, c: i32, cp: i32, strideH: i32, strideW: i32,
  zpOut: i32, lo: i32, hi: i32): void {
  depthwiseCore<u8, TiesUp, PerChannel>(inp, rowStride, w, taps, pairs, table, tableStride, multiplier, shift, out, outH, outW, c, cp, strideH, strideW, zpOut, lo, hi);
}
export function depthwise1(inp: usize, rowStride: usize, w: usize, taps: usize, pairs: i32, table: usize, tableStride: usize,
  multiplier: i32, shift: i32, out: usize, outH: i32, outW: i32, c: i32, cp: i32, strideH: i32, strideW: i32,
  zpOut: i32, lo: i32, hi: i32): void {
  depthwiseCore<i8, TiesUp, PerChannel>(inp, rowStride, w, taps, pairs, table, tableStride, multiplier, shift, out, outH, outW, c, cp, strideH, strideW, zpOut, lo, hi);
}
export function depthwise2(inp: usize, rowStride: usize, w: usize, taps: usize, pairs: i32, table: usize, tableStride: usize,
  multiplier: i32, shift: i32, out: usize, outH: i32, outW: i32, c: i32, cp: i32, strideH: i32, strideW: i32,
  zpOut: i32, lo: i32, hi: i32): void {
  depthwiseCore<u8, TiesAway, PerChannel>(inp, rowStride, w, taps, pairs, table, tableStride, multiplier, shift, out, outH, outW, c, cp, strideH, strideW, zpOut, lo, hi);
}
export function depthwise3(inp: usize, rowStride: usize, w: usize, taps: usize, pairs: i32, table: usize, tableStride: usize,
  multiplier: i32, shift: i32, out: usize, outH: i32, outW: i32, c: i32, cp: i32, strideH: i32, strideW: i32,
  zpOut: i32, lo: i32, hi: i32): void {
  depthwiseCore<i8, TiesAway, PerChannel>(inp, rowStride, w, taps, pairs, table, tableStride, multiplier, shift, out, outH, outW, c, cp, strideH, strideW, zpOut, lo, hi);
}
export function depthwise4(inp: usize, rowStride: usize, w: usize, taps: usize, pairs: i32, table: usize, tableStride: usize,
  multiplier: i32, shift: i32, out: usize, outH: i32, outW: i32, c: i32, cp: i32, strideH: i32, strideW: i32,
  zpOut: i32, lo: i32, hi: i32): void {
  depthwiseCore<u8, TiesUp, PerTensor>(inp, rowStride, w, taps, pairs, table, tableStride, multiplier, shift, out, outH, outW, c, cp, strideH, strideW, zpOut, lo, hi);
}
export function depthwise5(inp: usize, rowStride: usize, w: usize, taps: usize, pairs: i32, table: usize, tableStride: usize,
  multiplier: i32, shift: i32, out: usize, outH: i32, outW: i32, c: i32, cp: i32, strideH: i32, strideW: i32,
  zpOut: i32, lo: i32, hi: i32): void {
  depthwiseCore<i8, TiesUp, PerTensor>(inp, rowStride, w, taps, pairs, table, tableStride, multiplier, shift, out, outH, outW, c, cp, strideH, strideW, zpOut, lo, hi);
}
export function depthwise6(inp: usize, rowStride: usize, w: usize, taps: usize, pairs: i32, table: usize, tableStride: usize,
  multiplier: i32, shift: i32, out: usize, outH: i32, outW: i32, c: i32, cp: i32, strideH: i32, strideW: i32,
  zpOut: i32, lo: i32, hi: i32): void {
  depthwiseCore<u8, TiesAway, PerTensor>(inp, rowStride, w, taps, pairs, table, tableStride, multiplier, shift, out, outH, outW, c, cp, strideH, strideW, zpOut, lo, hi);
}
export function depthwise7(inp: usize, rowStride: usize, w: usize, taps: usize, pairs: i32, table: usize, tableStride: usize,
  multiplier: i32, shift: i32, out: usize, outH: i32, outW: i32, c: i32, cp: i32, strideH: i32, strideW: i32,
  zpOut: i32, lo: i32, hi: i32): void {
  depthwiseCore<i8, TiesAway, PerTensor>(inp, rowStride, w, taps, pairs, table, tableStride, multiplier, shift, out, outH, outW, c, cp, strideH, strideW, zpOut, lo, hi);
}
export function depthwise8(inp: usize, rowStride: usize, w: usize, taps: usize, pairs: i32, table: usize, tableStride: usize,
  multiplier: i32, shift: i32, out: usize, outH: i32, outW: i32, c: i32, cp: i32, strideH: i32, strideW: i32,
  zpOut: i32, lo: i32, hi: i32): void {
  depthwiseCore<u8, TiesUp, PerChannelLeftShift>(inp, rowStride, w, taps, pairs, table, tableStride, multiplier, shift, out, outH, outW, c, cp, strideH, strideW, zpOut, lo, hi);
}
export function depthwise9(inp: usize, rowStride: usize, w: usize, taps: usize, pairs: i32, table: usize, tableStride: usize,
  multiplier: i32, shift: i32, out: usize, outH: i32, outW: i32, c: i32, cp: i32, strideH: i32, strideW: i32,
  zpOut: i32, lo: i32, hi: i32): void {
  depthwiseCore<i8, TiesUp, PerChannelLeftShift>(inp, rowStride, w, taps, pairs, table, tableStride, multiplier, shift, out, outH, outW, c, cp, strideH, strideW, zpOut, lo, hi);
}
export function depthwise10(inp: usize, rowStride: usize, w: usize, taps: usize, pairs: i32, table: usize, tableStride: usize,
  multiplier: i32, shift: i32, out: usize, outH: i32, outW: i32, c: i32, cp: i32, strideH: i32, strideW: i32,
  zpOut: i32, lo: i32, hi: i32): void {
  depthwiseCore<u8, TiesAway, PerChannelLeftShift>(inp, rowStride, w, taps, pairs, table, tableStride, multiplier, shift, out, outH, outW, c, cp, strideH, strideW, zpOut, lo, hi);
}
export function depthwise11(inp: usize, rowStride: usize, w: usize, taps: usize, pairs: i32, table: usize, tableStride: usize,
  multiplier: i32, shift: i32, out: usize, outH: i32, outW: i32, c: i32, cp: i32, strideH: i32, strideW: i32,
  zpOut: i32, lo: i32, hi: i32): void {
  depthwiseCore<i8, TiesAway, PerChannelLeftShift>(inp, rowStride, w, taps, pairs, table, tableStride, multiplier, shift, out, outH, outW, c, cp, strideH, strideW, zpOut, lo, hi);
}
