import { InvalidImageError } from './errors.js';
import { DEFAULT_MAX_PIXELS } from './limits.js';
import type { RgbImage } from './rgb-image.js';

/*
 * A small BMP decoder, because sharp (libvips) cannot read BMP and Coral's test images are
 * BMPs. It reads uncompressed files: 1/4/8-bit palette, 16-bit (5-5-5 or bit fields),
 * 24-bit, 32-bit (BGRX or bit fields), bottom-up or top-down, with any header version from
 * the OS/2 core header to V5. Every size is checked against the file's length before
 * anything is allocated, so a hostile header cannot make it allocate or loop without end.
 */

const BI_RGB = 0;
const BI_RLE8 = 1;
const BI_RLE4 = 2;
const BI_BITFIELDS = 3;
const BI_JPEG = 4;
const BI_PNG = 5;
const BI_ALPHABITFIELDS = 6;

const FILE_HEADER_SIZE = 14;
const CORE_HEADER_SIZE = 12;
/** BITMAPINFOHEADER, V2 (with RGB masks), V3 (with alpha mask), V4, V5. */
const INFO_HEADER_SIZES = new Set([40, 52, 56, 108, 124]);

export interface BmpOptions {
  /** Name used in error messages. */
  readonly name?: string;
  /** Largest width*height accepted, checked before any allocation (default DEFAULT_MAX_PIXELS). */
  readonly maxPixels?: number;
}

/** True when the bytes start with the BMP signature. */
export function isBmp(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x42 && bytes[1] === 0x4d;
}

interface BmpHeader {
  width: number;
  height: number;
  topDown: boolean;
  bitsPerPixel: number;
  compression: number;
  dataOffset: number;
  /** Offset of the colour table and bytes per entry (3 for the core header, 4 otherwise). */
  paletteOffset: number;
  paletteEntrySize: number;
  colorsUsed: number;
  masks: [number, number, number] | null;
}

/** Decodes a BMP file held in memory to RGB. Throws InvalidImageError on any bad input. */
export function decodeBmp(bytes: Uint8Array, options: BmpOptions = {}): RgbImage {
  const name = options.name ?? '<buffer>';
  const fail = (reason: 'truncated' | 'corrupt' | 'unsupported' | 'zero-size' | 'too-large', detail: string): never => {
    throw new InvalidImageError(name, reason, detail);
  };
  if (bytes.length === 0) throw new InvalidImageError(name, 'empty', 'the file is empty');
  if (!isBmp(bytes)) fail('unsupported', 'not a BMP file (no "BM" signature)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const header = readHeader(view, fail);
  const { width, height, bitsPerPixel } = header;

  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  if (width * height > maxPixels) {
    fail('too-large', `BMP is ${width}x${height} = ${width * height} pixels, more than the limit of ${maxPixels}`);
  }
  const rowBytes = Math.floor((width * bitsPerPixel + 31) / 32) * 4;
  // The last row's padding is sometimes left out by writers; accept that.
  const needed = header.dataOffset + rowBytes * (height - 1) + Math.ceil((width * bitsPerPixel) / 8);
  if (needed > bytes.length) {
    fail('truncated', `BMP pixel data is cut short: ${width}x${height} at ${bitsPerPixel} bits needs ${needed} bytes, the file has ${bytes.length}`);
  }

  const out = new Uint8Array(width * height * 3);
  const rowOffset = (y: number): number => header.dataOffset + rowBytes * (header.topDown ? y : height - 1 - y);
  if (bitsPerPixel <= 8) {
    const palette = readPalette(bytes, header, fail);
    decodePaletted(bytes, out, width, height, bitsPerPixel, palette, rowOffset);
  } else if (bitsPerPixel === 24) {
    for (let y = 0; y < height; y++) {
      let s = rowOffset(y);
      let d = y * width * 3;
      for (let x = 0; x < width; x++, s += 3, d += 3) {
        out[d] = bytes[s + 2]!;
        out[d + 1] = bytes[s + 1]!;
        out[d + 2] = bytes[s]!;
      }
    }
  } else {
    const masks = header.masks ?? (bitsPerPixel === 16 ? [0x7c00, 0x03e0, 0x001f] : [0xff0000, 0x00ff00, 0x0000ff]);
    decodeBitFields(view, out, width, height, bitsPerPixel, masks, rowOffset);
  }
  return { width, height, data: out };
}

type Fail = (reason: 'truncated' | 'corrupt' | 'unsupported' | 'zero-size' | 'too-large', detail: string) => never;

function readHeader(view: DataView, fail: Fail): BmpHeader {
  const length = view.byteLength;
  if (length < FILE_HEADER_SIZE + 4) fail('truncated', `BMP is cut short: ${length} bytes, too few for its headers`);
  const dataOffset = view.getUint32(10, true);
  const headerSize = view.getUint32(14, true);
  if (headerSize !== CORE_HEADER_SIZE && !INFO_HEADER_SIZES.has(headerSize)) {
    fail(headerSize === 64 ? 'unsupported' : 'corrupt', `BMP has an unknown header size (${headerSize} bytes)`);
  }
  if (length < FILE_HEADER_SIZE + headerSize) fail('truncated', `BMP is cut short inside its ${headerSize}-byte header`);

  let width: number;
  let rawHeight: number;
  let bitsPerPixel: number;
  let compression = BI_RGB;
  let colorsUsed = 0;
  let masks: [number, number, number] | null = null;
  let paletteOffset = FILE_HEADER_SIZE + headerSize;
  let paletteEntrySize = 4;
  if (headerSize === CORE_HEADER_SIZE) {
    width = view.getUint16(18, true);
    rawHeight = view.getUint16(20, true);
    bitsPerPixel = view.getUint16(24, true);
    paletteEntrySize = 3;
  } else {
    width = view.getInt32(18, true);
    rawHeight = view.getInt32(22, true);
    bitsPerPixel = view.getUint16(28, true);
    compression = view.getUint32(30, true);
    colorsUsed = view.getUint32(46, true);
    if (compression === BI_BITFIELDS || compression === BI_ALPHABITFIELDS) {
      // BITMAPINFOHEADER keeps the masks after the header; later versions inside it.
      const maskOffset = FILE_HEADER_SIZE + 40;
      if (headerSize === 40) paletteOffset += compression === BI_ALPHABITFIELDS ? 16 : 12;
      if (length < maskOffset + 12) fail('truncated', 'BMP is cut short inside its colour masks');
      masks = [view.getUint32(maskOffset, true), view.getUint32(maskOffset + 4, true), view.getUint32(maskOffset + 8, true)];
    }
  }

  if (compression === BI_RLE8 || compression === BI_RLE4) {
    fail('unsupported', 'RLE-compressed BMP is not supported; save it as an uncompressed BMP or as PNG');
  }
  if (compression === BI_JPEG || compression === BI_PNG) {
    fail('unsupported', 'BMP with embedded JPEG/PNG data is not supported; save it as PNG or JPEG instead');
  }
  if (compression !== BI_RGB && compression !== BI_BITFIELDS && compression !== BI_ALPHABITFIELDS) {
    fail('corrupt', `BMP has an unknown compression type (${compression})`);
  }
  const palettedDepths = [1, 4, 8];
  if (compression === BI_RGB && !palettedDepths.includes(bitsPerPixel) && ![16, 24, 32].includes(bitsPerPixel)) {
    fail(bitsPerPixel === 2 || bitsPerPixel === 64 ? 'unsupported' : 'corrupt', `BMP has an unsupported bit depth (${bitsPerPixel})`);
  }
  if (compression !== BI_RGB && bitsPerPixel !== 16 && bitsPerPixel !== 32) {
    fail('corrupt', `BMP uses colour masks with ${bitsPerPixel} bits per pixel (only 16 and 32 are valid)`);
  }
  if (width === 0 || rawHeight === 0) fail('zero-size', `BMP has zero size (${width}x${Math.abs(rawHeight)})`);
  if (width < 0) fail('corrupt', `BMP has a negative width (${width})`);
  if (dataOffset < paletteOffset || dataOffset >= length) {
    fail(dataOffset >= length ? 'truncated' : 'corrupt', `BMP pixel data offset ${dataOffset} is outside the file (${length} bytes)`);
  }
  return {
    width,
    height: Math.abs(rawHeight),
    topDown: rawHeight < 0,
    bitsPerPixel,
    compression,
    dataOffset,
    paletteOffset,
    paletteEntrySize,
    colorsUsed,
    masks,
  };
}

/** The colour table as RGB triples; missing entries (index past the table) read as black. */
function readPalette(bytes: Uint8Array, header: BmpHeader, fail: Fail): Uint8Array {
  const maxColors = 1 << header.bitsPerPixel;
  const count = header.colorsUsed === 0 ? maxColors : Math.min(header.colorsUsed, maxColors);
  const end = header.paletteOffset + count * header.paletteEntrySize;
  if (end > bytes.length) fail('truncated', `BMP is cut short inside its colour table (${count} colours)`);
  const palette = new Uint8Array(maxColors * 3);
  for (let i = 0; i < count; i++) {
    const s = header.paletteOffset + i * header.paletteEntrySize;
    palette[i * 3] = bytes[s + 2]!;
    palette[i * 3 + 1] = bytes[s + 1]!;
    palette[i * 3 + 2] = bytes[s]!;
  }
  return palette;
}

function decodePaletted(
  bytes: Uint8Array,
  out: Uint8Array,
  width: number,
  height: number,
  bitsPerPixel: number,
  palette: Uint8Array,
  rowOffset: (y: number) => number,
): void {
  const perByte = 8 / bitsPerPixel;
  const mask = (1 << bitsPerPixel) - 1;
  for (let y = 0; y < height; y++) {
    const row = rowOffset(y);
    let d = y * width * 3;
    for (let x = 0; x < width; x++, d += 3) {
      // Pixels are packed from the most significant bits of each byte.
      const byte = bytes[row + Math.floor(x / perByte)]!;
      const shift = 8 - bitsPerPixel * ((x % perByte) + 1);
      const p = ((byte >> shift) & mask) * 3;
      out[d] = palette[p]!;
      out[d + 1] = palette[p + 1]!;
      out[d + 2] = palette[p + 2]!;
    }
  }
}

/** One colour channel of a bit-field pixel: where it sits and how to widen it to 8 bits. */
interface Channel {
  mask: number;
  shift: number;
  max: number;
}

function channelOf(mask: number): Channel {
  if (mask === 0) return { mask: 0, shift: 0, max: 1 };
  let shift = 0;
  while (((mask >>> shift) & 1) === 0) shift++;
  return { mask: mask >>> 0, shift, max: (mask >>> 0) / 2 ** shift };
}

function decodeBitFields(
  view: DataView,
  out: Uint8Array,
  width: number,
  height: number,
  bitsPerPixel: number,
  masks: readonly [number, number, number],
  rowOffset: (y: number) => number,
): void {
  const channels = masks.map(channelOf);
  const bytesPerPixel = bitsPerPixel / 8;
  for (let y = 0; y < height; y++) {
    let s = rowOffset(y);
    let d = y * width * 3;
    for (let x = 0; x < width; x++, s += bytesPerPixel) {
      const pixel = bytesPerPixel === 4 ? view.getUint32(s, true) : view.getUint16(s, true);
      for (const c of channels) {
        // Widening by v*255/max, truncated, is what Pillow does for 5- and 6-bit fields.
        const v = ((pixel & c.mask) >>> 0) / 2 ** c.shift;
        out[d++] = c.max === 255 ? v : Math.floor((v * 255) / c.max);
      }
    }
  }
}
