import { readFile, stat } from 'node:fs/promises';
import sharp, { type Metadata, type OutputInfo } from 'sharp';
import { decodeBmp, isBmp } from './bmp.js';
import { InvalidImageError, type InvalidImageReason } from './errors.js';
import { DEFAULT_MAX_PIXELS } from './limits.js';
import { looksCutShort, sniffFormat, type SniffedFormat } from './sniff.js';
import type { RgbImage } from './rgb-image.js';

export interface LoadImageOptions {
  /** Largest width*height decoded (default 8192*8192); larger images are refused from their header. */
  readonly maxPixels?: number;
  /** Largest file read, in bytes (default 256 MiB). */
  readonly maxBytes?: number;
  /**
   * Apply the EXIF orientation (default true), so a phone photo comes out upright.
   * PIL, and so pycoral, ignores it: pass false for byte parity with pycoral on such files.
   */
  readonly autoOrient?: boolean;
  /**
   * Decode images with recoverable defects (a JPEG cut short comes out gray at the bottom,
   * stray bytes between JPEG markers are skipped) instead of refusing them. Default false:
   * any decoder warning is an InvalidImageError.
   */
  readonly lenient?: boolean;
}

const DEFAULT_MAX_BYTES = 256 * 1024 * 1024;

/** sharp's names for the formats we accept; BMP is decoded by us. */
const SHARP_FORMATS = new Set(['jpeg', 'png', 'webp', 'gif', 'tiff', 'heif']);
const SUPPORTED = 'JPEG, PNG, WebP, GIF, TIFF, AVIF or BMP';
const FORMAT_NAMES: Record<SniffedFormat, string> = { png: 'PNG', jpeg: 'JPEG', gif: 'GIF', webp: 'WebP', tiff: 'TIFF', heif: 'AVIF/HEIF', bmp: 'BMP' };

/**
 * Decodes an image file (or its bytes) to 8-bit RGB. JPEG, PNG, WebP, GIF (first frame),
 * TIFF (first page) and AVIF go through sharp; BMP through our own decoder. Alpha is
 * dropped without compositing and grayscale is expanded to three equal channels, which
 * is what PIL's `convert('RGB')` does in pycoral's examples.
 *
 * Every failure (missing, empty, truncated, corrupt, unsupported, zero-size or oversized
 * image) is an InvalidImageError whose message names the file.
 */
export async function loadImage(input: string | Uint8Array, options: LoadImageOptions = {}): Promise<RgbImage> {
  const name = typeof input === 'string' ? input : '<buffer>';
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  const bytes = typeof input === 'string' ? await readImageFile(input, options.maxBytes ?? DEFAULT_MAX_BYTES) : input;
  if (bytes.length === 0) throw new InvalidImageError(name, 'empty', 'the image is empty (0 bytes)');

  const image = isBmp(bytes) ? decodeBmp(bytes, { name, maxPixels }) : await decodeWithSharp(bytes, name, maxPixels, options);
  return typeof input === 'string' ? { ...image, source: input } : image;
}

async function readImageFile(path: string, maxBytes: number): Promise<Uint8Array> {
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new InvalidImageError(path, 'unreadable', 'not a file');
    if (info.size > maxBytes) {
      throw new InvalidImageError(path, 'too-large', `the file is ${info.size} bytes, more than the limit of ${maxBytes}`);
    }
    return await readFile(path);
  } catch (e) {
    if (e instanceof InvalidImageError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (e as Error).message;
    throw new InvalidImageError(path, 'unreadable', `cannot read the image: ${why}`, { cause: e });
  }
}

async function decodeWithSharp(bytes: Uint8Array, name: string, maxPixels: number, load: LoadImageOptions): Promise<RgbImage> {
  // Headers first (metadata() decodes no pixels): format and size are checked before any
  // pixel memory exists. The decoder's own pixel limit stays on as a second guard.
  const options = { limitInputPixels: maxPixels, failOn: load.lenient ? ('none' as const) : ('warning' as const) };
  let meta: Metadata;
  try {
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (e) {
    throw sharpError(e, name, bytes);
  }
  if (meta.format === undefined || !SHARP_FORMATS.has(meta.format)) {
    throw new InvalidImageError(name, 'unsupported', `unsupported image format '${meta.format ?? 'unknown'}' (use ${SUPPORTED})`);
  }
  const width = meta.width ?? 0;
  const height = meta.height ?? 0;
  if (width === 0 || height === 0) throw new InvalidImageError(name, 'zero-size', `the image has zero size (${width}x${height})`);
  if (width * height > maxPixels) {
    throw new InvalidImageError(name, 'too-large', `the image is ${width}x${height} = ${width * height} pixels, more than the limit of ${maxPixels}`);
  }

  let pipeline = sharp(bytes, options);
  if (load.autoOrient ?? true) pipeline = pipeline.autoOrient();
  let decoded: { data: Buffer; info: OutputInfo };
  try {
    decoded = await pipeline.removeAlpha().toColourspace('srgb').raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  } catch (e) {
    throw sharpError(e, name, bytes);
  }
  const { data, info } = decoded;
  const pixels = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return { width: info.width, height: info.height, data: info.channels === 3 ? pixels : expandToRgb(pixels, info.channels) };
}

/** Keeps the first channel of gray(+alpha) data or the first three of anything wider. */
function expandToRgb(pixels: Uint8Array, channels: number): Uint8Array {
  const count = pixels.length / channels;
  const out = new Uint8Array(count * 3);
  for (let i = 0; i < count; i++) {
    const s = i * channels;
    out[i * 3] = pixels[s]!;
    out[i * 3 + 1] = pixels[channels >= 3 ? s + 1 : s]!;
    out[i * 3 + 2] = pixels[channels >= 3 ? s + 2 : s]!;
  }
  return out;
}

function sharpError(e: unknown, name: string, bytes: Uint8Array): InvalidImageError {
  const message = (e instanceof Error ? e.message.split('\n')[0]! : String(e)).replace(/:\s*$/, '');
  const format = sniffFormat(bytes);
  let reason: InvalidImageReason = 'corrupt';
  let detail = `the image is corrupt (${message})`;
  if (looksCutShort(bytes, format) && !/pixel limit/i.test(message)) {
    reason = 'truncated';
    detail = `the ${FORMAT_NAMES[format!]} image is truncated: the file ends early (${message})`;
  } else if (/unsupported image format/i.test(message) && format === undefined) {
    reason = 'unsupported';
    detail = `not an image format we can read (use ${SUPPORTED})`;
  } else if (/pixel limit/i.test(message)) {
    reason = 'too-large';
    detail = `the image has more pixels than the limit (${message})`;
  } else if (/premature end|truncated|unexpected end|end of (file|stream|data)|short read|not enough data/i.test(message)) {
    reason = 'truncated';
    detail = `the image is truncated (${message})`;
  } else if (/empty/i.test(message)) {
    reason = 'empty';
    detail = 'the image is empty';
  }
  return new InvalidImageError(name, reason, detail, { cause: e });
}
