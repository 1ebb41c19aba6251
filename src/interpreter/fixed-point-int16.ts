/**
 * gemmlowp's 16-bit fixed-point arithmetic, as TFLite's integer LSTM uses it for its gate
 * activations: a value with k integer bits is an int16 raw r meaning r / 2^(15 − k). The
 * logistic and tanh below follow gemmlowp's algorithms step for step (a Taylor polynomial for
 * exp on [−1/4, 0), a barrel shifter of exp(−2^i) constants, Newton–Raphson division), with
 * every intermediate wrapped or saturated to int16 where gemmlowp's int16 code does, so the
 * results are bit-exact with TFLite's. All numbers here are int16 values held in JS numbers.
 */

const INT16_MIN = -32768;
const INT16_MAX = 32767;

/** Two's-complement wrap to int16 (what a C++ cast to int16_t does). */
export function wrap16(x: number): number {
  return (x << 16) >> 16;
}

/** (a·b·2 + 2^15) / 2^16 with gemmlowp's nudge and truncation; −1·−1 saturates. */
export function saturatingRoundingDoublingHighMul16(a: number, b: number): number {
  if (a === INT16_MIN && b === INT16_MIN) return INT16_MAX;
  const ab = a * b;
  const nudge = ab >= 0 ? 16384 : 1 - 16384;
  return wrap16(Math.trunc((ab + nudge) / 32768));
}

/** gemmlowp RoundingDivideByPOT on an int16 (ties away from zero). */
export function roundingDivideByPOT16(x: number, exponent: number): number {
  if (exponent === 0) return x;
  const mask = (1 << exponent) - 1;
  const remainder = x & mask;
  const threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return wrap16((x >> exponent) + (remainder > threshold ? 1 : 0));
}

/** gemmlowp RoundingDivideByPOT on an int32 (ties away from zero). */
export function roundingDivideByPOT32(x: number, exponent: number): number {
  if (exponent === 0) return x;
  const mask = exponent >= 31 ? 0x7fffffff : (1 << exponent) - 1;
  const remainder = x & mask;
  const threshold = (mask >>> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

/** x · 2^exponent: a saturating left shift, or a rounding right shift for negative exponents. */
export function saturatingRoundingMultiplyByPOT16(x: number, exponent: number): number {
  if (exponent === 0) return x;
  if (exponent < 0) return roundingDivideByPOT16(x, -exponent);
  const threshold = (1 << (15 - exponent)) - 1;
  if (x > threshold) return INT16_MAX;
  if (x < -threshold) return INT16_MIN;
  return wrap16(x << exponent);
}

function roundingHalfSum16(a: number, b: number): number {
  const sum = a + b;
  return wrap16(Math.trunc((sum + (sum >= 0 ? 1 : -1)) / 2));
}

function saturatingAdd16(a: number, b: number): number {
  const sum = a + b;
  return sum > INT16_MAX ? INT16_MAX : sum < INT16_MIN ? INT16_MIN : sum;
}

/** gemmlowp's 32-bit constants, rounding-shifted to 16 bits as its int16 code does. */
const constant16 = (raw32: number): number => wrap16(roundingDivideByPOT32(raw32, 16));

const EXP_MINUS_ONE_EIGHTH = constant16(1895147668);
const ONE_THIRD = constant16(715827883);
const FORTY_EIGHT_SEVENTEENTHS = constant16(1515870810);
const MINUS_THIRTY_TWO_SEVENTEENTHS = constant16(-1010580540);
const ONE_HALF = constant16(1 << 30);
/** exp(−2^e) for e = −2..4, as multipliers applied when that bit of the remainder is set. */
const BARREL_FIRST_EXPONENT = -2;
const BARREL_MULTIPLIERS = Int16Array.from([1672461947, 1302514674, 790015084, 290630308, 39332535, 720401, 242], constant16);
/** 1.0 with 0 integer bits (the largest raw value) and with 2 integer bits. */
const ONE_Q0 = INT16_MAX;
const ONE_Q2 = 1 << 13;

const mul = saturatingRoundingDoublingHighMul16;
const add = (a: number, b: number): number => wrap16(a + b);
const sub = (a: number, b: number): number => wrap16(a - b);

/** exp(a) for a in [−1/4, 0), a with 0 integer bits. */
function expOnIntervalNegativeQuarterToZero(a: number): number {
  const x = add(a, 1 << 12); // a + 1/8
  const x2 = mul(x, x);
  const x3 = mul(x2, x);
  const x4 = mul(x2, x2);
  const x4Over4 = roundingDivideByPOT16(x4, 2);
  const poly = roundingDivideByPOT16(add(mul(add(x4Over4, x3), ONE_THIRD), x2), 1);
  return saturatingAdd16(EXP_MINUS_ONE_EIGHTH, mul(EXP_MINUS_ONE_EIGHTH, add(x, poly)));
}

/** exp(a) for a ≤ 0 with `integerBits` integer bits; the result has 0 integer bits. */
export function expOnNegativeValues16(a: number, integerBits: number): number {
  const fractionalBits = 15 - integerBits;
  const oneQuarter = 1 << (fractionalBits - 2);
  const mask = oneQuarter - 1;
  const aModQuarterMinusQuarter = sub(a & mask, oneQuarter);
  let result = expOnIntervalNegativeQuarterToZero(saturatingRoundingMultiplyByPOT16(aModQuarterMinusQuarter, integerBits));
  const remainder = sub(aModQuarterMinusQuarter, a);
  for (let k = 0; k < BARREL_MULTIPLIERS.length; k++) {
    const exponent = BARREL_FIRST_EXPONENT + k;
    if (integerBits > exponent && (remainder & (1 << (fractionalBits + exponent))) !== 0) result = mul(result, BARREL_MULTIPLIERS[k]!);
  }
  if (integerBits > 5) {
    const clamp = constant16(-(2 ** (36 - integerBits)));
    if (a < clamp) result = 0;
  }
  return a === 0 ? ONE_Q0 : result;
}

/** Newton–Raphson for 1 / (1 + a) (a in (0, 1), 0 integer bits); the result has 2 integer bits. */
function newtonReciprocalOfOnePlus(a: number): number {
  const halfDenominator = roundingHalfSum16(a, ONE_Q0);
  let x = add(FORTY_EIGHT_SEVENTEENTHS, mul(halfDenominator, MINUS_THIRTY_TWO_SEVENTEENTHS));
  for (let i = 0; i < 3; i++) {
    const oneMinusHalfDenominatorTimesX = sub(ONE_Q2, mul(halfDenominator, x));
    x = add(x, saturatingRoundingMultiplyByPOT16(mul(x, oneMinusHalfDenominatorTimesX), 2));
  }
  return x;
}

/** gemmlowp::logistic: int16 with `integerBits` integer bits in, Q0.15 out. */
export function logistic16(a: number, integerBits: number): number {
  if (a === 0) return ONE_HALF;
  const positive = a > 0;
  const absolute = positive ? a : wrap16(-a);
  const x = newtonReciprocalOfOnePlus(expOnNegativeValues16(wrap16(-absolute), integerBits));
  // x / 2 with 1 integer bit, rescaled to 0 integer bits.
  const ifPositive = saturatingRoundingMultiplyByPOT16(x, 1);
  return positive ? ifPositive : sub(ONE_Q0, ifPositive);
}

/** gemmlowp::tanh: int16 with `integerBits` integer bits in, Q0.15 out. */
export function tanh16(a: number, integerBits: number): number {
  if (a === 0) return 0;
  const negative = a < 0;
  const n = negative ? a : wrap16(-a);
  // −tanh(n) for n < 0 is (1 − e^(2n)) / (1 + e^(2n)); 2n is the same raw with one more integer bit.
  const x = newtonReciprocalOfOnePlus(expOnNegativeValues16(n, integerBits + 1));
  const t = saturatingRoundingMultiplyByPOT16(sub(x, ONE_Q2), 2);
  return negative ? wrap16(-t) : t;
}
