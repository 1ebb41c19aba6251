import { InvalidModelError, type DType } from '../../tflite/index.js';
import { unaryOperands, flushDenormal } from '../elementwise-support.js';
import type { RuntimeTensor } from '../tensor.js';
import { registerKernel } from '../registry.js';
import { expectShape, unsupported } from './node-checks.js';

/** The element types TFLite 2.9's CAST converts between (float16, float64 and uint16 fail there). */
const TYPES: readonly DType[] = ['uint8', 'int8', 'int16', 'int32', 'uint32', 'int64', 'float32', 'bool'];

const TWO_31 = 2147483648;
const TWO_32 = 4294967296;
const TWO_63 = 9223372036854775808;
const INT32_MIN = -2147483648;

/**
 * x86 cvttss2si to 32 bits: truncation toward zero, and 0x80000000 for NaN or anything
 * outside the int32 range. TFLite's float → (u)int8/int16/int32 casts keep the low bits of this.
 */
function truncateToInt32(x: number): number {
  return x >= -TWO_31 && x < TWO_31 ? Math.trunc(x) : INT32_MIN;
}

/** GCC's vectorized float → uint32: values ≥ 2^31 are converted as x − 2^31 with the top bit set back. */
function truncateToUint32(x: number): number {
  return x >= TWO_31 ? (truncateToInt32(Math.fround(x - TWO_31)) ^ INT32_MIN) >>> 0 : truncateToInt32(x) >>> 0;
}

/** Reads element i as a number, for every input type but int64 and same-type copies. */
type Reader = (i: number) => number;

/**
 * CAST: converts element by element as TFLite's static_cast does on x86-64, bit for bit.
 * Integers wrap to the narrower type (keep the low bits); float32 → integer truncates toward
 * zero with the x86 conversion's results outside the range (see truncateToInt32 / Uint32,
 * int64 gives INT64_MIN); a denormal float reads as zero (DAZ), so it casts to false; any other
 * non-zero value (NaN included) is true. bool is read as its raw byte, so a bool byte of 7 casts
 * to 7; a cast to the same type copies bytes. int64 → float32 rounds the exact 64-bit value once.
 */
registerKernel({
  op: 'CAST',
  dtypes: TYPES,
  prepare(node) {
    const { input, output } = unaryOperands(node);
    expectShape(node, output, input.shape);
    const from = input.dtype;
    const to = output.dtype;
    if (!TYPES.includes(to)) {
      throw unsupported(node, `casting to ${to} (TFLite 2.9 casts among ${TYPES.join(', ')})`);
    }
    const size = input.size;
    if (from === to) {
      const src = input.bytes;
      const dst = output.bytes;
      return () => dst.set(src);
    }
    if (from === 'int64') return fromInt64(input, output, size);
    if (from !== 'float32' && to !== 'bool' && to !== 'int64') {
      // Integer (or bool byte) to integer or float32: a typed-array store converts exactly as the
      // C++ cast does (wrapping to the narrower type; every int32/uint32 rounds once to float32).
      const src = (from === 'bool' ? input.bytes : input.data) as Uint8Array | Int8Array | Int16Array | Int32Array | Uint32Array;
      const dst = output.data as Uint8Array | Int8Array | Int16Array | Int32Array | Uint32Array | Float32Array;
      return () => {
        for (let i = 0; i < size; i++) dst[i] = src[i]!;
      };
    }
    const read = readerOf(input);
    if (to === 'int64') {
      const words = int32Words(output);
      const fromFloat = from === 'float32';
      return () => {
        for (let i = 0; i < size; i++) {
          const v = read(i);
          // cvttss2si to 64 bits: INT64_MIN outside the range or for NaN.
          const t = fromFloat ? (v >= -TWO_63 && v < TWO_63 ? Math.trunc(v) : -TWO_63) : v;
          const high = Math.floor(t / TWO_32);
          words[2 * i] = t - high * TWO_32;
          words[2 * i + 1] = high;
        }
      };
    }
    const write = writerOf(output, from === 'float32');
    return () => {
      for (let i = 0; i < size; i++) write(i, read(i));
    };
  },
});

function readerOf(t: RuntimeTensor): Reader {
  const data = t.data;
  if (t.dtype === 'float32') {
    const f = data as Float32Array;
    return (i) => flushDenormal(f[i]!);
  }
  if (t.dtype === 'bool') {
    const b = t.bytes;
    return (i) => b[i]!;
  }
  const a = data as Uint8Array | Int8Array | Int16Array | Int32Array | Uint32Array;
  return (i) => a[i]!;
}

/** Writes a converted value; `fromFloat` selects the x86 float → integer conversions. */
function writerOf(t: RuntimeTensor, fromFloat: boolean): (i: number, v: number) => void {
  switch (t.dtype) {
    case 'float32': {
      const f = t.data as Float32Array;
      return (i, v) => { f[i] = v; };
    }
    case 'bool': {
      const b = t.bytes;
      return (i, v) => { b[i] = v !== 0 ? 1 : 0; };
    }
    case 'uint32': {
      const u = t.data as Uint32Array;
      return fromFloat ? (i, v) => { u[i] = truncateToUint32(v); } : (i, v) => { u[i] = v; };
    }
    default: {
      // Typed-array stores wrap integers modulo the element size, as the C++ casts do.
      const a = t.data as Uint8Array | Int8Array | Int16Array | Int32Array;
      return fromFloat ? (i, v) => { a[i] = truncateToInt32(v); } : (i, v) => { a[i] = v; };
    }
  }
}

/** The tensor's bytes as int32 words (little-endian: low word first for int64 elements). */
function int32Words(t: RuntimeTensor): Int32Array {
  const b = t.bytes;
  if (b.byteOffset % 4 !== 0) throw new InvalidModelError(`tensor '${t.name}' is not 4-byte aligned`);
  return new Int32Array(b.buffer, b.byteOffset, b.length >> 2);
}

function fromInt64(input: RuntimeTensor, output: RuntimeTensor, size: number): () => void {
  const words = int32Words(input);
  const to = output.dtype;
  if (to === 'float32') {
    const f = output.data as Float32Array;
    return () => {
      for (let i = 0; i < size; i++) f[i] = int64ToFloat32(words[2 * i]! >>> 0, words[2 * i + 1]!);
    };
  }
  if (to === 'bool') {
    const b = output.bytes;
    return () => {
      for (let i = 0; i < size; i++) b[i] = (words[2 * i]! | words[2 * i + 1]!) !== 0 ? 1 : 0;
    };
  }
  // Integer targets keep the low bits, all within the low word.
  const a = output.data as Uint8Array | Int8Array | Int16Array | Int32Array | Uint32Array;
  return () => {
    for (let i = 0; i < size; i++) a[i] = words[2 * i]!;
  };
}

/**
 * high·2^32 + low rounded once to float32 (nearest, ties to even). The double sum can itself be
 * rounded (beyond 2^53); when that lands exactly between two floats, the discarded part decides.
 */
function int64ToFloat32(low: number, high: number): number {
  const top = high * TWO_32;
  const d = top + low;
  const f = Math.fround(d);
  const lost = low - (d - top); // exact: what the double sum dropped
  if (lost === 0 || f === d) return f;
  // The other float on d's far side; d is a tie exactly when it sits halfway between them.
  const ulpTowardD = d > f ? nextFloatUp(f) : nextFloatDown(f);
  if ((f + ulpTowardD) / 2 !== d) return f;
  return (lost > 0) === (ulpTowardD > f) ? ulpTowardD : f;
}

const bits = new Float32Array(1);
const bitsInt = new Int32Array(bits.buffer);
function nextFloatUp(f: number): number {
  bits[0] = f;
  bitsInt[0]! += f >= 0 ? 1 : -1;
  return bits[0]!;
}
function nextFloatDown(f: number): number {
  bits[0] = f;
  bitsInt[0]! += f > 0 ? -1 : 1;
  return bits[0]!;
}
