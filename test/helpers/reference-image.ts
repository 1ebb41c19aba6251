/**
 * Test images as model inputs, prepared exactly as ../shared/tools/tflite-ref.js --bmp does,
 * so that results can be compared with the recorded reference runs: an uncompressed 24-bit
 * or 8-bit BMP decoded to RGB, resized nearest-neighbour with half-pixel centres in integer
 * arithmetic (sx = floor((2x + 1)·inW / (2·outW)), the same for y), int8 inputs getting
 * pixel − 128. Independent of the library's own image code on purpose.
 */
import { readFileSync } from 'node:fs';

export interface RgbImage {
  width: number;
  height: number;
  /** Row-major RGB, 3 bytes per pixel. */
  rgb: Uint8Array;
}

export function readBmp(path: string): RgbImage {
  const b = readFileSync(path);
  if (b.toString('latin1', 0, 2) !== 'BM') throw new Error(`${path}: not a BMP file`);
  const dataOffset = b.readUInt32LE(10);
  const width = b.readInt32LE(18);
  const rawHeight = b.readInt32LE(22);
  const bitsPerPixel = b.readUInt16LE(28);
  const compression = b.readUInt32LE(30);
  if ((bitsPerPixel !== 24 && bitsPerPixel !== 8) || compression !== 0) throw new Error(`${path}: only uncompressed 24-bit or 8-bit BMP files are read here`);
  const height = Math.abs(rawHeight);
  const rowBytes = Math.ceil((width * bitsPerPixel) / 32) * 4;
  const palette = bitsPerPixel === 8 ? b.subarray(14 + b.readUInt32LE(14), dataOffset) : undefined;
  const rgb = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const row = rawHeight > 0 ? height - 1 - y : y; // a positive height means bottom-up rows
    for (let x = 0; x < width; x++) {
      let p: number;
      let src: Uint8Array;
      if (palette) {
        p = b[dataOffset + row * rowBytes + x]! * 4;
        src = palette;
      } else {
        p = dataOffset + row * rowBytes + x * 3;
        src = b;
      }
      const d = (y * width + x) * 3;
      rgb[d] = src[p + 2]!; // BGR on disk
      rgb[d + 1] = src[p + 1]!;
      rgb[d + 2] = src[p]!;
    }
  }
  return { width, height, rgb };
}

export function resizeNearestHalfPixel(img: RgbImage, outWidth: number, outHeight: number): Uint8Array {
  const out = new Uint8Array(outWidth * outHeight * 3);
  for (let y = 0; y < outHeight; y++) {
    const sy = Math.floor(((2 * y + 1) * img.height) / (2 * outHeight));
    for (let x = 0; x < outWidth; x++) {
      const sx = Math.floor(((2 * x + 1) * img.width) / (2 * outWidth));
      out.set(img.rgb.subarray((sy * img.width + sx) * 3, (sy * img.width + sx) * 3 + 3), (y * outWidth + x) * 3);
    }
  }
  return out;
}

/**
 * The raw input bytes for a [1, H, W, 3] uint8 or int8 image input, or undefined when the input
 * is not such an image (tflite-ref.js then feeds zeros).
 */
export function imageInputBytes(img: RgbImage, shape: readonly number[], dtype: string): Uint8Array | undefined {
  if (shape.length !== 4 || shape[0] !== 1 || shape[3] !== 3 || (dtype !== 'uint8' && dtype !== 'int8')) return undefined;
  const pixels = resizeNearestHalfPixel(img, shape[2]!, shape[1]!);
  if (dtype === 'int8') for (let i = 0; i < pixels.length; i++) pixels[i] = (pixels[i]! - 128) & 255;
  return pixels;
}
