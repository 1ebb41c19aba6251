import sharp from 'sharp';
import { fullBox, type SourceBox } from './box.js';
import type { RgbImage } from './rgb-image.js';

/** The libvips kernels we expose; libvips shrinks by block averaging first on large reductions. */
export type SharpKernel = 'linear' | 'lanczos3';

/**
 * Resizes `box` of the image with sharp. libvips crops on whole pixels, so the box edges
 * are rounded to the nearest pixel first (the fractional box of a centre crop moves by
 * less than half a pixel).
 */
export async function resizeWithSharp(
  image: RgbImage,
  dstWidth: number,
  dstHeight: number,
  kernel: SharpKernel,
  box: SourceBox = fullBox(image.width, image.height),
): Promise<RgbImage> {
  const left = clamp(Math.round(box[0]), 0, image.width - 1);
  const top = clamp(Math.round(box[1]), 0, image.height - 1);
  const width = clamp(Math.round(box[2]) - left, 1, image.width - left);
  const height = clamp(Math.round(box[3]) - top, 1, image.height - top);
  let pipeline = sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } });
  if (left !== 0 || top !== 0 || width !== image.width || height !== image.height) {
    pipeline = pipeline.extract({ left, top, width, height });
  }
  const { data, info } = await pipeline
    .resize(dstWidth, dstHeight, { kernel, fit: 'fill' })
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
  if (info.width !== dstWidth || info.height !== dstHeight || info.channels !== 3) {
    throw new Error(`sharp returned ${info.width}x${info.height}x${info.channels}, expected ${dstWidth}x${dstHeight}x3`);
  }
  return { width: dstWidth, height: dstHeight, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}
