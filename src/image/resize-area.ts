import { fullBox, type SourceBox } from './box.js';
import type { RgbImage } from './rgb-image.js';

/** Per output position: the first source index it reads and the weight of each index read. */
interface AxisWeights {
  start: Int32Array;
  count: Int32Array;
  /** Weights of output i at offset i * stride, summing to 1. */
  weights: Float64Array;
  stride: number;
}

/**
 * Weights that average the source interval each output pixel covers: output i spans
 * [from + i*s, from + (i+1)*s) with s = (to - from) / dstSize, and each source pixel
 * counts by how much of it lies in that span. Parts outside the image are dropped.
 */
function areaWeights(srcSize: number, dstSize: number, from: number, to: number): AxisWeights {
  const scale = (to - from) / dstSize;
  const stride = Math.ceil(scale) + 2;
  const start = new Int32Array(dstSize);
  const count = new Int32Array(dstSize);
  const weights = new Float64Array(dstSize * stride);
  for (let i = 0; i < dstSize; i++) {
    const a = from + i * scale;
    const b = a + scale;
    const first = Math.max(0, Math.floor(a));
    const last = Math.min(srcSize - 1, Math.ceil(b) - 1);
    let total = 0;
    let n = 0;
    for (let j = first; j <= last && n < stride; j++, n++) {
      const w = Math.max(0, Math.min(b, j + 1) - Math.max(a, j));
      weights[i * stride + n] = w;
      total += w;
    }
    if (total > 0) for (let k = 0; k < n; k++) weights[i * stride + k]! /= total;
    start[i] = first;
    count[i] = n;
  }
  return { start, count, weights, stride };
}

/**
 * Area (box-filter) resize: each output pixel is the mean of the source area it covers,
 * rounded to the nearest integer. Exact for integer shrink factors (the mean of each
 * k x k block); for enlargement it blends the one or two source pixels a target pixel overlaps.
 */
export function resizeArea(image: RgbImage, dstWidth: number, dstHeight: number, box: SourceBox = fullBox(image.width, image.height)): RgbImage {
  const wx = areaWeights(image.width, dstWidth, box[0], box[2]);
  const wy = areaWeights(image.height, dstHeight, box[1], box[3]);
  const rowFirst = wy.start[0]!;
  const rowLast = Math.max(...Array.from(wy.start, (s, i) => s + wy.count[i]! - 1));
  const rows = Math.max(0, rowLast - rowFirst + 1);
  const src = image.data;

  // Horizontal pass over the rows any output reads, kept in float for the vertical pass.
  const horizontal = new Float64Array(rows * dstWidth * 3);
  for (let r = 0; r < rows; r++) {
    const rowStart = (rowFirst + r) * image.width * 3;
    for (let x = 0; x < dstWidth; x++) {
      let red = 0;
      let green = 0;
      let blue = 0;
      const base = x * wx.stride;
      let s = rowStart + wx.start[x]! * 3;
      for (let k = 0; k < wx.count[x]!; k++, s += 3) {
        const w = wx.weights[base + k]!;
        red += w * src[s]!;
        green += w * src[s + 1]!;
        blue += w * src[s + 2]!;
      }
      const d = (r * dstWidth + x) * 3;
      horizontal[d] = red;
      horizontal[d + 1] = green;
      horizontal[d + 2] = blue;
    }
  }

  const out = new Uint8Array(dstWidth * dstHeight * 3);
  const rowValues = dstWidth * 3;
  for (let y = 0; y < dstHeight; y++) {
    const base = y * wy.stride;
    const first = wy.start[y]! - rowFirst;
    const o = y * rowValues;
    for (let i = 0; i < rowValues; i++) {
      let v = 0;
      for (let k = 0; k < wy.count[y]!; k++) v += wy.weights[base + k]! * horizontal[(first + k) * rowValues + i]!;
      out[o + i] = Math.min(255, Math.max(0, Math.round(v)));
    }
  }
  return { width: dstWidth, height: dstHeight, data: out };
}
