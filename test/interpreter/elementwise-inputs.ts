/**
 * Inputs for the element-wise conformance tests: values over the whole range of each type,
 * including the ones kernels get wrong first (float NaN payloads, ±inf, ±0, denormals,
 * ±FLT_MAX; integer extremes), from a seeded PRNG so every run is the same.
 */
import type { DType } from '../../src/tflite/index.js';
import { randInt } from '../helpers/prng.js';

type Rand = () => number;

/** float32 bit patterns worth testing on every float op. */
export const SPECIAL_FLOAT_BITS: readonly number[] = [
  0x00000000, 0x80000000, // ±0
  0x000116c2, 0x800116c2, 0x00000001, 0x807fffff, // denormals
  0x00800000, 0x80800000, // ±smallest normal
  0x3f800000, 0xbf800000, 0x3f800001, 0xbf800001, // ±1 and neighbours
  0x40c00000, 0x40c00001, 0x3f000000, 0x41200000, 0xc1200000, // 6, 6+ulp, 0.5, ±10
  0x7f7fffff, 0xff7fffff, // ±FLT_MAX
  0x7f800000, 0xff800000, // ±inf
  0x7fc00000, 0xffc00000, 0x7fc12345, 0x7fa00001, 0xffa00010, // quiet and signalling NaNs with payloads
  0x42b20000, 0xc2b20000, 0xc2d00000, 0xc2d20000, 0x41855555, // around exp's limits
];

/** Random float32 values: mostly moderate magnitudes, some at any bit pattern, some special. */
export function floatBytes(rand: Rand, count: number, range = 10): Uint8Array {
  const values = new Float32Array(count);
  const bits = new Uint32Array(values.buffer);
  for (let i = 0; i < count; i++) {
    const r = rand();
    if (r < 0.1) bits[i] = SPECIAL_FLOAT_BITS[randInt(rand, 0, SPECIAL_FLOAT_BITS.length - 1)]!;
    else if (r < 0.25) bits[i] = Math.floor(rand() * 2 ** 32); // anywhere in the float32 range
    else if (r < 0.45) values[i] = (rand() < 0.5 ? -1 : 1) * 10 ** (rand() * 8 - 4);
    else values[i] = (rand() * 2 - 1) * range;
  }
  return new Uint8Array(values.buffer);
}

/** Every float32 special value paired with every other: inputs a and b of length n². */
export function specialFloatPairs(): [Uint8Array, Uint8Array] {
  const n = SPECIAL_FLOAT_BITS.length;
  const a = new Uint32Array(n * n);
  const b = new Uint32Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      a[i * n + j] = SPECIAL_FLOAT_BITS[i]!;
      b[i * n + j] = SPECIAL_FLOAT_BITS[j]!;
    }
  }
  return [new Uint8Array(a.buffer), new Uint8Array(b.buffer)];
}

/** Random int32 values: small ones, full-range ones and the extremes. */
export function int32Bytes(rand: Rand, count: number): Uint8Array {
  const values = new Int32Array(count);
  const extremes = [0, 1, -1, 2147483647, -2147483648, 2147483646, -2147483647];
  for (let i = 0; i < count; i++) {
    const r = rand();
    if (r < 0.1) values[i] = extremes[randInt(rand, 0, extremes.length - 1)]!;
    else if (r < 0.5) values[i] = randInt(rand, -100, 100);
    else values[i] = Math.floor(rand() * 2 ** 32) - 2 ** 31;
  }
  return new Uint8Array(values.buffer);
}

/** Random raw bytes for 8-bit and int16 tensors (every value equally likely). */
export function rawBytes(rand: Rand, length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = Math.floor(rand() * 256);
  return bytes;
}

export const elementCount = (shape: readonly number[]): number => shape.reduce((a, d) => a * d, 1);

/** Input bytes for a tensor of this type and shape. */
export function inputBytes(rand: Rand, dtype: DType, shape: readonly number[]): Uint8Array {
  const n = elementCount(shape);
  if (dtype === 'float32') return floatBytes(rand, n);
  if (dtype === 'int32') return int32Bytes(rand, n);
  return rawBytes(rand, n * (dtype === 'int16' ? 2 : 1));
}

/** Every byte value once, then random bytes up to `length` (8-bit unary ops see all 256 inputs). */
export function allBytesThenRandom(rand: Rand, length: number): Uint8Array {
  const bytes = rawBytes(rand, Math.max(length, 256));
  for (let b = 0; b < 256; b++) bytes[b] = b;
  return bytes;
}

/**
 * Per-tensor quantization for an 8-bit tensor: scales spread over 1e-3..1 (log-uniform), zero
 * points anywhere in the type including its ends.
 */
export function randomQuant(rand: Rand, dtype: 'uint8' | 'int8'): { scale: number; zeroPoint: number } {
  const [lo, hi] = dtype === 'uint8' ? [0, 255] : [-128, 127];
  const r = rand();
  const zeroPoint = r < 0.1 ? lo : r < 0.2 ? hi : randInt(rand, lo, hi);
  return { scale: Math.fround(10 ** (-3 + 3 * rand())), zeroPoint };
}

/** The broadcast shape of two shapes (they must broadcast). */
export function broadcastOf(a: readonly number[], b: readonly number[]): number[] {
  const rank = Math.max(a.length, b.length);
  return Array.from({ length: rank }, (_, k) => {
    const da = a[a.length - rank + k] ?? 1;
    const db = b[b.length - rank + k] ?? 1;
    return da === 1 ? db : da;
  });
}
