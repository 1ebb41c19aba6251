/**
 * The fixed-point arithmetic of TFLite's quantized kernels, exact in JavaScript numbers.
 *
 * A real multiplier r is stored as (M, shift): r ≈ M · 2^(shift − 31) with M in [2^30, 2^31).
 * Kernels multiply int32 accumulators by it. The 64-bit product of two int32 values does not
 * fit in a double, so the high-multiply below takes an exact fast path when the product is
 * below 2^52 and otherwise splits one operand into 16-bit halves.
 */

export const INT32_MIN = -2147483648;
export const INT32_MAX = 2147483647;

const TWO_30 = 1073741824;
const TWO_31 = 2147483648;
const TWO_52 = 4503599627370496;

/** A real multiplier as TFLite stores it: real ≈ multiplier · 2^(shift − 31); shift > 0 is a left shift. */
export interface QuantizedMultiplier {
  readonly multiplier: number;
  readonly shift: number;
}

/**
 * TFLite's QuantizeMultiplier: split `real` into a fraction q in [0.5, 1) and an exponent,
 * M = q · 2^31 rounded half away from zero (bumped into range when it reaches 2^31); an
 * exponent below −31 flushes to (0, 0).
 */
export function quantizeMultiplier(real: number): QuantizedMultiplier {
  if (real === 0 || !Number.isFinite(real)) return { multiplier: 0, shift: 0 };
  const [fraction, exponent] = frexp(real);
  let shift = exponent;
  let m = roundHalfAwayFromZero(fraction * TWO_31);
  if (m === TWO_31 || m === -TWO_31) {
    m /= 2;
    shift++;
  }
  if (shift < -31) return { multiplier: 0, shift: 0 };
  return { multiplier: m, shift };
}

/** QuantizeMultiplierSmallerThanOneExp: as quantizeMultiplier, for 0 < real < 1 (shift ≤ 0). */
export function quantizeMultiplierSmallerThanOne(real: number): QuantizedMultiplier {
  if (!(real > 0 && real < 1)) throw new RangeError(`multiplier ${real} is not in (0, 1)`);
  return quantizeMultiplier(real);
}

/** Splits x (finite, non-zero) into f · 2^e with |f| in [0.5, 1), as C's frexp. */
export function frexp(x: number): [number, number] {
  let e = Math.ceil(Math.log2(Math.abs(x))) + 0; // + 0: no negative zero
  let f = x / 2 ** e;
  // log2 can be off by one ulp near powers of two: settle the exponent exactly.
  while (Math.abs(f) >= 1) {
    e++;
    f = x / 2 ** e;
  }
  while (Math.abs(f) < 0.5) {
    e--;
    f = x / 2 ** e;
  }
  return [f, e];
}

/** std::round: halves go away from zero (Math.round sends −2.5 to −2). */
export function roundHalfAwayFromZero(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

/**
 * gemmlowp's SaturatingRoundingDoublingHighMul: the high 32 bits of 2·a·b, rounded. Its
 * "nudge" (2^30, or 1 − 2^30 for negative products, then truncation toward zero) is the same
 * as floor((a·b + 2^30) / 2^31): ties round toward +∞. The one overflowing case,
 * a = b = INT32_MIN, saturates to INT32_MAX.
 */
export function saturatingRoundingDoublingHighMul(a: number, b: number): number {
  const p = a * b;
  // Below 2^52 the double product is exact, and so are the addition and the division.
  if (p < TWO_52 && p > -TWO_52) return Math.floor((p + TWO_30) / TWO_31);
  if (a === INT32_MIN && b === INT32_MIN) return INT32_MAX;
  return highMulSplit(a, b);
}

/** floor((a·b + 2^30) / 2^31) for any int32 a, b, with b split into 16-bit halves so each partial product is exact. */
function highMulSplit(a: number, b: number): number {
  const bHigh = b >> 16; // signed
  const bLow = b & 0xffff; // unsigned
  const high = a * bHigh; // |high| ≤ 2^46: exact
  const highQuotient = Math.floor(high / 32768); // high = highQuotient · 2^15 + highRest
  const highRest = high - highQuotient * 32768;
  // a·b + 2^30 = highQuotient · 2^31 + (highRest · 2^16 + a · bLow + 2^30), the bracket below 2^48.
  const low = highRest * 65536 + a * bLow + TWO_30;
  return highQuotient + Math.floor(low / TWO_31);
}

/**
 * gemmlowp's RoundingDivideByPOT: x / 2^exponent rounded to nearest, ties away from zero
 * (x an int32, 0 ≤ exponent ≤ 31).
 */
export function roundingDivideByPOT(x: number, exponent: number): number {
  // All int32 operations (for exponent 31 the mask wraps to 0x7fffffff, as wanted).
  const mask = (1 << exponent) - 1;
  const remainder = x & mask;
  const threshold = (mask >> 1) + (x >>> 31);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

/**
 * x / 2^exponent rounded to nearest with ties toward +∞ (`(x + 2^(n−1)) >> n` without the
 * overflow): the final shift of the TFLite 2.9 x86-64 CONV_2D / FULLY_CONNECTED GEMM path.
 */
export function roundingShiftRightTiesUp(x: number, exponent: number): number {
  if (exponent === 0) return x;
  return (x >> exponent) + ((x >> (exponent - 1)) & 1);
}

/**
 * TFLite's reference MultiplyByQuantizedMultiplier (double rounding): left shift, high-multiply,
 * then a rounding right shift with ties away from zero. DEPTHWISE_CONV_2D, ADD, SUB, MUL,
 * QUANTIZE and most other quantized kernels of the 2.9 runtime compute this.
 */
export function multiplyByQuantizedMultiplier(x: number, multiplier: number, shift: number): number {
  const leftShift = shift > 0 ? shift : 0;
  const rightShift = shift > 0 ? 0 : -shift;
  return roundingDivideByPOT(saturatingRoundingDoublingHighMul(x << leftShift, multiplier), rightShift);
}

/**
 * The variant the TFLite 2.9 x86-64 runtime computes for CONV_2D and FULLY_CONNECTED (its GEMM
 * output stage): the same high-multiply, but the final right shift rounds ties toward +∞.
 * It differs from the reference form only on negative exact ties.
 */
export function multiplyByQuantizedMultiplierTiesUp(x: number, multiplier: number, shift: number): number {
  const leftShift = shift > 0 ? shift : 0;
  const rightShift = shift > 0 ? 0 : -shift;
  return roundingShiftRightTiesUp(saturatingRoundingDoublingHighMul(x << leftShift, multiplier), rightShift);
}

/** MultiplyByQuantizedMultiplierSmallerThanOneExp: high-multiply, then a rounding right shift by −shift (shift ≤ 0). */
export function multiplyByQuantizedMultiplierSmallerThanOne(x: number, multiplier: number, shift: number): number {
  return roundingDivideByPOT(saturatingRoundingDoublingHighMul(x, multiplier), -shift);
}
