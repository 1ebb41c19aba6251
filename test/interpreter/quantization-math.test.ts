import { expect } from 'chai';
import { fb } from '../../src/tflite/index.js';
import { quantizedActivationRange } from '../../src/interpreter/activation-range.js';
import {
  INT32_MAX,
  INT32_MIN,
  frexp,
  multiplyByQuantizedMultiplier,
  multiplyByQuantizedMultiplierSmallerThanOne,
  multiplyByQuantizedMultiplierTiesUp,
  quantizeMultiplier,
  roundingDivideByPOT,
  roundingShiftRightTiesUp,
  saturatingRoundingDoublingHighMul,
} from '../../src/interpreter/quantization-math.js';
import { prng } from '../helpers/prng.js';

const TWO_30 = 2 ** 30;

/** gemmlowp's definition, literally, in BigInt: nudge by ±2^30, divide by 2^31 truncating. */
function srdhmReference(a: number, b: number): number {
  if (a === INT32_MIN && b === INT32_MIN) return INT32_MAX;
  const ab = BigInt(a) * BigInt(b);
  const nudge = ab >= 0n ? 1n << 30n : 1n - (1n << 30n);
  return Number((ab + nudge) / (1n << 31n)); // BigInt division truncates toward zero, as C
}

/** x / 2^e rounded to nearest, halves away from zero, in BigInt. */
function divideRoundAway(x: number, e: number): number {
  const d = 1n << BigInt(e);
  const n = BigInt(x);
  const q = (2n * (n < 0n ? -n : n) + d) / (2n * d);
  return Number(n < 0n ? -q : q);
}

/** x / 2^e rounded to nearest, halves toward +∞, in BigInt. */
function divideRoundUp(x: number, e: number): number {
  const d = 1n << BigInt(e);
  const n = BigInt(x) * 2n + d;
  const q = n >= 0n ? n / (2n * d) : -((-n + 2n * d - 1n) / (2n * d));
  return Number(q);
}

const randomInt32 = (rand: () => number): number => Math.floor(rand() * 2 ** 32) - 2 ** 31;

describe('quantization math', function () {
  describe('frexp / quantizeMultiplier', function () {
    it('splits reals into a fraction in [0.5, 1) and an exponent', function () {
      expect(frexp(0.5)).to.deep.equal([0.5, 0]);
      expect(frexp(1)).to.deep.equal([0.5, 1]);
      expect(frexp(0.1)).to.deep.equal([0.8, -3]);
      expect(frexp(3)).to.deep.equal([0.75, 2]);
      expect(frexp(2 ** -20)).to.deep.equal([0.5, -19]);
    });

    it('gives TFLite multipliers for hand-computed values', function () {
      expect(quantizeMultiplier(0.5)).to.deep.equal({ multiplier: TWO_30, shift: 0 });
      expect(quantizeMultiplier(1)).to.deep.equal({ multiplier: TWO_30, shift: 1 });
      expect(quantizeMultiplier(0.75)).to.deep.equal({ multiplier: 1610612736, shift: 0 });
      // 0.8 · 2^31 = 1717986918.4 rounds down.
      expect(quantizeMultiplier(0.1)).to.deep.equal({ multiplier: 1717986918, shift: -3 });
      // 0.6 · 2^31 = 1288490188.8 rounds up.
      expect(quantizeMultiplier(0.3)).to.deep.equal({ multiplier: 1288490189, shift: -1 });
      expect(quantizeMultiplier(0)).to.deep.equal({ multiplier: 0, shift: 0 });
    });

    it('bumps a fraction that rounds to 2^31 into the next exponent', function () {
      // (1 − 2^−33) · 2^31 = 2^31 − 0.25 rounds to 2^31.
      expect(quantizeMultiplier((1 - 2 ** -33) * 2 ** -5)).to.deep.equal({ multiplier: TWO_30, shift: -4 });
    });

    it('flushes multipliers below 2^−32 to zero', function () {
      expect(quantizeMultiplier(2 ** -40)).to.deep.equal({ multiplier: 0, shift: 0 });
      expect(quantizeMultiplier(2 ** -32)).to.deep.equal({ multiplier: TWO_30, shift: -31 });
    });
  });

  describe('saturatingRoundingDoublingHighMul', function () {
    it('rounds ties toward +∞ (gemmlowp nudge and truncation)', function () {
      expect(saturatingRoundingDoublingHighMul(1, TWO_30)).to.equal(1); // 0.5
      expect(saturatingRoundingDoublingHighMul(-1, TWO_30)).to.equal(0); // −0.5
      expect(saturatingRoundingDoublingHighMul(3, TWO_30)).to.equal(2); // 1.5
      expect(saturatingRoundingDoublingHighMul(-3, TWO_30)).to.equal(-1); // −1.5
      expect(saturatingRoundingDoublingHighMul(TWO_30, TWO_30)).to.equal(2 ** 29);
    });

    it('saturates INT32_MIN · INT32_MIN and is exact at the extremes', function () {
      expect(saturatingRoundingDoublingHighMul(INT32_MIN, INT32_MIN)).to.equal(INT32_MAX);
      expect(saturatingRoundingDoublingHighMul(INT32_MAX, INT32_MAX)).to.equal(2147483646);
      expect(saturatingRoundingDoublingHighMul(INT32_MIN, INT32_MAX)).to.equal(-2147483647);
      expect(saturatingRoundingDoublingHighMul(INT32_MAX, INT32_MIN)).to.equal(-2147483647);
      expect(saturatingRoundingDoublingHighMul(INT32_MIN, 1)).to.equal(-1);
      expect(saturatingRoundingDoublingHighMul(INT32_MIN, -1)).to.equal(1);
    });

    it('equals the 64-bit definition on random operands, large and small', function () {
      const rand = prng(42);
      for (let i = 0; i < 20000; i++) {
        const a = i % 2 ? randomInt32(rand) : Math.floor(rand() * 2 ** 20) - 2 ** 19;
        const b = i % 3 ? randomInt32(rand) : TWO_30 + Math.floor(rand() * TWO_30);
        const got = saturatingRoundingDoublingHighMul(a, b);
        if (got !== srdhmReference(a, b)) expect.fail(`srdhm(${a}, ${b}) = ${got}, expected ${srdhmReference(a, b)}`);
      }
    });
  });

  describe('roundingDivideByPOT', function () {
    it('rounds halves away from zero', function () {
      expect(roundingDivideByPOT(5, 1)).to.equal(3);
      expect(roundingDivideByPOT(-5, 1)).to.equal(-3);
      expect(roundingDivideByPOT(-6, 2)).to.equal(-2);
      expect(roundingDivideByPOT(6, 2)).to.equal(2);
      expect(roundingDivideByPOT(-7, 2)).to.equal(-2);
      expect(roundingDivideByPOT(-5, 2)).to.equal(-1);
      expect(roundingDivideByPOT(9, 0)).to.equal(9);
    });

    it('handles INT32_MIN, INT32_MAX and exponent 31', function () {
      expect(roundingDivideByPOT(INT32_MIN, 31)).to.equal(-1);
      expect(roundingDivideByPOT(INT32_MAX, 31)).to.equal(1);
      expect(roundingDivideByPOT(INT32_MIN, 1)).to.equal(-(2 ** 30));
      expect(roundingDivideByPOT(-(2 ** 30), 31)).to.equal(-1); // −0.5 → −1
      expect(roundingDivideByPOT(2 ** 30, 31)).to.equal(1);
    });

    it('equals exact rounding on random operands', function () {
      const rand = prng(43);
      for (let i = 0; i < 20000; i++) {
        const x = randomInt32(rand);
        const e = Math.floor(rand() * 32);
        if (roundingDivideByPOT(x, e) !== divideRoundAway(x, e)) expect.fail(`rdbpot(${x}, ${e})`);
      }
    });
  });

  describe('roundingShiftRightTiesUp (the 2.9 conv output stage)', function () {
    it('rounds halves toward +∞', function () {
      expect(roundingShiftRightTiesUp(5, 1)).to.equal(3);
      expect(roundingShiftRightTiesUp(-5, 1)).to.equal(-2);
      expect(roundingShiftRightTiesUp(-6, 2)).to.equal(-1);
      expect(roundingShiftRightTiesUp(-7, 2)).to.equal(-2);
      expect(roundingShiftRightTiesUp(INT32_MAX, 1)).to.equal(2 ** 30); // no overflow
      expect(roundingShiftRightTiesUp(INT32_MIN, 31)).to.equal(-1);
    });

    it('equals exact rounding on random operands', function () {
      const rand = prng(44);
      for (let i = 0; i < 20000; i++) {
        const x = randomInt32(rand);
        const e = Math.floor(rand() * 32);
        if (roundingShiftRightTiesUp(x, e) !== divideRoundUp(x, e)) expect.fail(`tiesUp(${x}, ${e})`);
      }
    });
  });

  describe('multiplyByQuantizedMultiplier', function () {
    it('rounds twice in the reference form and differs from the conv variant on negative ties only', function () {
      // real 0.25 (M = 2^30, shift −1): 2·0.25 = 0.5 → 1; −2·0.25 = −0.5 → −1 (away), 0 (ties up).
      expect(multiplyByQuantizedMultiplier(2, TWO_30, -1)).to.equal(1);
      expect(multiplyByQuantizedMultiplier(-2, TWO_30, -1)).to.equal(-1);
      expect(multiplyByQuantizedMultiplierTiesUp(2, TWO_30, -1)).to.equal(1);
      expect(multiplyByQuantizedMultiplierTiesUp(-2, TWO_30, -1)).to.equal(0);
      // real 0.125: 6 → 0.75 → 1 both ways; −6 → −0.75 → −1 both ways.
      expect(multiplyByQuantizedMultiplier(6, TWO_30, -2)).to.equal(1);
      expect(multiplyByQuantizedMultiplierTiesUp(-6, TWO_30, -2)).to.equal(-1);
      // Double rounding: 5 · 0.375 = 1.875, the high-multiply keeps 3.75 and the shift gives 2.
      expect(multiplyByQuantizedMultiplier(5, 1610612736, -1)).to.equal(2);
      expect(multiplyByQuantizedMultiplierSmallerThanOne(-2, TWO_30, -1)).to.equal(-1);
    });

    it('shifts left for multipliers above 1', function () {
      // real 2 (M = 2^30, shift 2): 3 → 6.
      expect(multiplyByQuantizedMultiplier(3, TWO_30, 2)).to.equal(6);
      expect(multiplyByQuantizedMultiplierTiesUp(-3, TWO_30, 2)).to.equal(-6);
      expect(multiplyByQuantizedMultiplier(7, quantizeMultiplier(1.5).multiplier, quantizeMultiplier(1.5).shift)).to.equal(11); // 10.5 → 11
    });
  });

  describe('quantizedActivationRange', function () {
    const Act = fb.ActivationFunctionType;
    it('clamps to the activation in the output domain', function () {
      expect(quantizedActivationRange(Act.NONE, 'uint8', 0.1, 10)).to.deep.equal([0, 255]);
      expect(quantizedActivationRange(Act.RELU, 'uint8', 0.1, 10)).to.deep.equal([10, 255]);
      expect(quantizedActivationRange(Act.RELU6, 'uint8', 0.1, 10)).to.deep.equal([10, 70]);
      expect(quantizedActivationRange(Act.RELU_N1_TO_1, 'uint8', 0.1, 10)).to.deep.equal([0, 20]);
      expect(quantizedActivationRange(Act.RELU6, 'int8', 0.05, -128)).to.deep.equal([-128, -8]);
      expect(quantizedActivationRange(Act.RELU6, 'uint8', 0.001, 0)).to.deep.equal([0, 255]);
    });

    it('rounds halves away from zero', function () {
      // ±1 / 2 = ±0.5 → ±1.
      expect(quantizedActivationRange(Act.RELU_N1_TO_1, 'uint8', 2, 100)).to.deep.equal([99, 101]);
      expect(quantizedActivationRange(Act.RELU_N1_TO_1, 'int8', 2, 0)).to.deep.equal([-1, 1]);
    });
  });
});
