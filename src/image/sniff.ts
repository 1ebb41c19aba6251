/** Image container formats recognised from their first bytes, for error messages. */
export type SniffedFormat = 'png' | 'jpeg' | 'gif' | 'webp' | 'tiff' | 'heif' | 'bmp';

const startsWith = (bytes: Uint8Array, prefix: readonly number[], at = 0): boolean =>
  bytes.length >= at + prefix.length && prefix.every((b, i) => bytes[at + i] === b);

const ascii = (s: string): number[] => Array.from(s, (c) => c.charCodeAt(0));

export function sniffFormat(bytes: Uint8Array): SniffedFormat | undefined {
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (startsWith(bytes, ascii('GIF8'))) return 'gif';
  if (startsWith(bytes, ascii('RIFF')) && startsWith(bytes, ascii('WEBP'), 8)) return 'webp';
  if (startsWith(bytes, [0x49, 0x49, 0x2a, 0x00]) || startsWith(bytes, [0x4d, 0x4d, 0x00, 0x2a])) return 'tiff';
  if (startsWith(bytes, ascii('ftyp'), 4)) return 'heif';
  if (startsWith(bytes, ascii('BM'))) return 'bmp';
  return undefined;
}

/**
 * True when a file of a format with an end marker lacks it, or a WebP file is shorter
 * than its RIFF header says: the usual sign of an interrupted download or copy.
 */
export function looksCutShort(bytes: Uint8Array, format: SniffedFormat | undefined): boolean {
  const n = bytes.length;
  switch (format) {
    case 'png':
      // The IEND chunk: length 0, type, CRC.
      return !startsWith(bytes, [0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82], n - 12);
    case 'jpeg':
      return !(bytes[n - 2] === 0xff && bytes[n - 1] === 0xd9);
    case 'gif':
      return bytes[n - 1] !== 0x3b;
    case 'webp':
      return n >= 8 && 8 + new DataView(bytes.buffer, bytes.byteOffset, n).getUint32(4, true) > n;
    default:
      return false;
  }
}
