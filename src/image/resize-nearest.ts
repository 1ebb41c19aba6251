import { fullBox, type SourceBox } from './box.js';
import type { RgbImage } from './rgb-image.js';

/**
 * For each of `dstSize` output positions, the source index that PIL's
 * `Image.resize(size, Image.NEAREST, box)` copies, or -1 where PIL leaves the pixel black
 * (only possible when the box reaches outside the image).
 *
 * PIL (src/_imaging.c `_resize`, src/libImaging/Geometry.c `ImagingScaleAffine`) keeps the
 * box as 32-bit floats, takes the step `scale = (float)(right - left) / dstSize` in double,
 * starts at `left + scale * 0.5` (the centre of the first output pixel) and then ADDS the
 * step once per output pixel, truncating each running position to an integer. The running
 * sum is not the same as `floor((i + 0.5) * scale)` at exact ties, so it is reproduced
 * here step by step: JavaScript numbers are the same IEEE doubles as C's.
 */
export function pilNearestIndices(srcSize: number, dstSize: number, from = 0, to = srcSize): Int32Array {
  const left = Math.fround(from);
  const span = Math.fround(Math.fround(to) - left);
  const scale = span / dstSize;
  const out = new Int32Array(dstSize);
  let position = left + scale * 0.5;
  for (let i = 0; i < dstSize; i++) {
    const index = position < 0 ? -1 : Math.trunc(position);
    out[i] = index < srcSize ? index : -1;
    position += scale;
  }
  return out;
}

/** Nearest-neighbour resize of `box` (default: the whole image) to dstWidth x dstHeight, pixel-exact with PIL. */
export function resizeNearest(image: RgbImage, dstWidth: number, dstHeight: number, box: SourceBox = fullBox(image.width, image.height)): RgbImage {
  const xs = pilNearestIndices(image.width, dstWidth, box[0], box[2]);
  const ys = pilNearestIndices(image.height, dstHeight, box[1], box[3]);
  const src = image.data;
  const out = new Uint8Array(dstWidth * dstHeight * 3);
  for (let y = 0; y < dstHeight; y++) {
    const sy = ys[y]!;
    if (sy < 0) continue;
    const rowStart = sy * image.width * 3;
    let d = y * dstWidth * 3;
    for (let x = 0; x < dstWidth; x++, d += 3) {
      const sx = xs[x]!;
      if (sx < 0) continue;
      const s = rowStart + sx * 3;
      out[d] = src[s]!;
      out[d + 1] = src[s + 1]!;
      out[d + 2] = src[s + 2]!;
    }
  }
  return { width: dstWidth, height: dstHeight, data: out };
}
