import { INT32_MAX, roundingDivideByPOT, saturatingRoundingDoublingHighMul } from './quantization-math.js';

/**
 * TFLite's GetInvSqrtQuantizedMultiplierExp: 1/sqrt(x) of a positive int32 as a multiplier and
 * shift, computed in gemmlowp fixed point (five Newton–Raphson steps with 3 integer bits), so
 * that L2_NORMALIZATION and RSQRT reproduce the runtime exactly. `reverseShift` is −1 in every
 * caller: the returned shift is then ≤ 0 (a right shift). Writes [multiplier, shift] into
 * `result` (kernels call this per row and must not allocate).
 */
export function invSqrtQuantizedMultiplier(input: number, reverseShift: number, result: Int32Array): void {
  // 0 (invalid) and 1 (overflows the general path) both give the largest multiplier.
  if (input <= 1) {
    result[0] = INT32_MAX;
    result[1] = 0;
    return;
  }
  let shift = 11;
  while (input >= 1 << 29) {
    input = Math.trunc(input / 4);
    shift++;
  }
  // Normalize into [2^27, 2^29) by whole bit pairs.
  const maxLeftShiftBits = Math.clz32(input) - 1;
  const leftShiftBitPairs = (maxLeftShiftBits >> 1) - 1;
  shift -= leftShiftBitPairs;
  input <<= 2 * leftShiftBitPairs;

  // Fixed point with 3 integer bits: raw / 2^28.
  const halfInput = roundingDivideByPOT(input >> 1, 1);
  const halfThree = (1 << 28) + (1 << 27); // 1.5
  let x = 1 << 28; // 1.0
  for (let i = 0; i < 5; i++) {
    // x³: two F3 products give 9 integer bits; rescale to 3 is a saturating left shift by 6.
    const x3 = saturatingShiftLeft(saturatingRoundingDoublingHighMul(saturatingRoundingDoublingHighMul(x, x), x), 6);
    // 1.5·x − (input/2)·x³ in 6 integer bits (wrapping subtraction), back to 3 bits.
    const difference = (saturatingRoundingDoublingHighMul(halfThree, x) - saturatingRoundingDoublingHighMul(halfInput, x3)) | 0;
    x = saturatingShiftLeft(difference, 3);
  }
  // Times sqrt(2)/2 in 0 integer bits.
  let multiplier = saturatingRoundingDoublingHighMul(x, 1518500250);
  if (shift < 0) {
    multiplier <<= -shift;
    shift = 0;
  }
  result[0] = multiplier;
  result[1] = shift * reverseShift;
}

/** gemmlowp's SaturatingRoundingMultiplyByPOT for a positive exponent: x·2^e clamped to int32. */
function saturatingShiftLeft(x: number, exponent: number): number {
  const threshold = (1 << (31 - exponent)) - 1;
  if (x > threshold) return INT32_MAX;
  if (x < -threshold) return -2147483648;
  return x << exponent;
}
