/**
 * Says what a byte string is when it is not a TFLite model, so that the error a user
 * sees names the real problem (a saved web page, a Git LFS pointer, a zip...) instead of
 * "bad flatbuffer".
 */

const TFLITE_IDENTIFIER = 'TFL3';
/** A root offset plus the 4-byte identifier plus the smallest possible root table. */
export const MIN_MODEL_BYTES = 16;

function asciiPrefix(bytes: Uint8Array, n: number): string {
  let s = '';
  for (let i = 0; i < Math.min(n, bytes.length); i++) s += String.fromCharCode(bytes[i]!);
  return s;
}

/** Returns null when the bytes look like a TFLite flatbuffer, else a sentence saying why not. */
export function describeNonModel(bytes: Uint8Array): string | null {
  if (bytes.length === 0) return 'the file is empty (0 bytes); download the model again';
  const head = asciiPrefix(bytes, 512);
  const text = head.replace(/^\uFEFF|^\xEF\xBB\xBF/, '').trimStart();
  const lower = text.toLowerCase();
  if (lower.startsWith('<!doctype html') || lower.startsWith('<html') || /^<\?xml[^>]*>\s*<html/.test(lower) || (lower.startsWith('<') && lower.includes('<head'))) {
    return 'this is an HTML page, not a TFLite model: the download saved a web page (for example a GitHub "blob" link); download the raw file instead';
  }
  if (text.startsWith('version https://git-lfs.github.com/spec/')) {
    return 'this is a Git LFS pointer file, not the model itself: run `git lfs pull` in that repository (or download the file from its raw/media URL)';
  }
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) return 'this is a gzip file, not a TFLite model: decompress it first';
  if (head.startsWith('PK\x03\x04')) return 'this is a zip archive, not a TFLite model: extract the .tflite file from it first';
  if (lower.startsWith('{') || lower.startsWith('[')) return 'this is a JSON text, not a TFLite model (a TF.js model.json or a metadata file?)';
  if (bytes.length < MIN_MODEL_BYTES) return `the file is only ${bytes.length} bytes long, too short to be a TFLite model (truncated download?)`;
  const ident = asciiPrefix(bytes.subarray(4, 8), 4);
  if (ident !== TFLITE_IDENTIFIER) {
    const shown = /^[\x20-\x7e]{4}$/.test(ident) ? `'${ident}'` : `bytes ${Array.from(bytes.subarray(4, 8), (b) => b.toString(16).padStart(2, '0')).join(' ')}`;
    return `no TFLite file identifier: expected 'TFL3' at byte 4, found ${shown}; this is not a TFLite model (or the file is damaged)`;
  }
  return null;
}
