// @ts-nocheck -- AssemblyScript (compiled by scripts/build-wasm.mjs), not part of the TypeScript program.

/*
 * Requantization of int32 accumulators to 8-bit outputs, four lanes at a time, bit-exact with
 * the TFLite 2.9 kernels (see src/interpreter/quantization-math.ts for the scalar forms).
 *
 * Per-output-channel parameters come from a table the TypeScript side lays out (see
 * wasm/requant-table.ts): five rows of int32, `stride` bytes apart, channel c at byte 4·c:
 *   row 0  bias
 *   row 1  M, the Q31 multiplier
 *   row 2  2^(31 − n) where n = −shift > 0 is the final right shift (any value where n = 0)
 *   row 3  −1 where n = 0 (no final shift), else 0
 *   row 4  2^shift where shift > 0 (a real multiplier ≥ 1: the sum is shifted left, wrapping
 *          like TFLite's int32 arithmetic, before the multiply), else 1; read only by
 *          PerChannelLeftShift, the variant for layers that have such channels.
 *
 * Layers with one multiplier for all channels (uint8 models) skip the table rows 1–3: the
 * multiplier and the shift n ≥ 1 are kernel arguments, and the final shift is a plain vector
 * shift.
 *
 * The rounding rule, per-channel or per-tensor parameters and the output type are type
 * parameters, so that each combination is compiled on its own: TiesUp / TiesAway,
 * PerChannel / PerChannelLeftShift / PerTensor, u8 / i8.
 */

/** The final shift rounds ties toward +∞ (CONV_2D, FULLY_CONNECTED on the 2.9 runtime). */
export type TiesUp = i32;
/** The final shift rounds ties away from zero (gemmlowp's RoundingDivideByPOT: DEPTHWISE_CONV_2D). */
export type TiesAway = i64;

/** One multiplier and shift per channel, from the table. */
export type PerChannel = f64;
/** As PerChannel, and some channel shifts left (table row 4). */
export type PerChannelLeftShift = i16;
/** One multiplier and shift for all channels, from kernel arguments. */
export type PerTensor = f32;

// Type parameters stand for the variants above; these read them at compile time.
// @ts-ignore: decorator
@inline
function roundsAway<R>(): bool {
  return sizeof<R>() == 8;
}
// @ts-ignore: decorator
@inline
function perTensor<Q>(): bool {
  return sizeof<Q>() == 4;
}
// @ts-ignore: decorator
@inline
function shiftsLeft<Q>(): bool {
  return sizeof<Q>() == 2;
}


export const ROW_BIAS: usize = 0;
export const ROW_MULTIPLIER: usize = 1;
export const ROW_SHIFT_MULTIPLIER: usize = 2;
export const ROW_NO_SHIFT: usize = 3;
export const ROW_LEFT_SHIFT: usize = 4;

/** floor((x·m + 2^30) / 2^31) per lane, from exact 64-bit products: gemmlowp's SaturatingRoundingDoublingHighMul (m > 0). */
// @ts-ignore: decorator
@inline
export function highMulRound(x: v128, m: v128): v128 {
  const nudge = i64x2.splat(0x40000000);
  // The sums stay below 2^62, so doubling them leaves floor(sum / 2^31) in the high halves.
  const lo = i64x2.shl(i64x2.add(i64x2.extmul_low_i32x4_s(x, m), nudge), 1);
  const hi = i64x2.shl(i64x2.add(i64x2.extmul_high_i32x4_s(x, m), nudge), 1);
  return i32x4.shuffle(lo, hi, 1, 3, 5, 7);
}

/** A scratch slot for stores of fewer than 8 bytes (addresses below the JS heap's base are the kernels'). */
export const SPILL_SLOT: usize = 64;

/**
 * Stores the low `count` bytes of v at dst: 8 at once when count is 8, else through the spill
 * slot, so that nothing past dst + count is touched.
 */
// @ts-ignore: decorator
@inline
export function storeBytes(dst: usize, v: v128, count: i32): void {
  if (count >= 8) {
    v128.store64_lane(dst, v, 0);
  } else {
    v128.store64_lane(SPILL_SLOT, v, 0);
    memory.copy(dst, SPILL_SLOT, <usize>count);
  }
}

/**
 * bias + acc, then MultiplyByQuantizedMultiplier for the four channels at `p` (a table address;
 * per tensor: multiplier m, shift n ≥ 1 with mask = 2^n − 1 and half = mask >> 1).
 * The final right shift by n is the same high-multiply with 2^(31 − n): that rounds ties toward
 * +∞, which is the CONV_2D rule of the 2.9 runtime. `away` gives gemmlowp's RoundingDivideByPOT
 * (ties away from zero) instead (R = TiesAway), by first subtracting 1 from negative values:
 * round-half-away(z / 2^n) = floor((z − [z < 0] + 2^(n−1)) / 2^n). z is never INT32_MIN, so that
 * cannot overflow.
 */
// @ts-ignore: decorator
@inline
export function requantize4<R, Q>(acc: v128, p: usize, stride: usize, m: v128, n: i32, mask: v128, half: v128): v128 {
  if (perTensor<Q>()) {
    const y = highMulRound(i32x4.add(acc, v128.load(p)), m);
    if (roundsAway<R>()) {
      // RoundingDivideByPOT: floor(y / 2^n), plus 1 when the remainder exceeds half (half + 1 for negative y).
      const threshold = i32x4.sub(half, i32x4.shr_s(y, 31));
      return i32x4.sub(i32x4.shr_s(y, n), i32x4.gt_s(v128.and(y, mask), threshold));
    }
    // floor(y / 2^n) plus the bit just below the cut: ties go up.
    return i32x4.add(i32x4.shr_s(y, n), v128.and(i32x4.shr_s(y, n - 1), i32x4.splat(1)));
  }
  let x = i32x4.add(acc, v128.load(p));
  if (shiftsLeft<Q>()) x = i32x4.mul(x, v128.load(p + ROW_LEFT_SHIFT * stride));
  const z = highMulRound(x, v128.load(p + ROW_MULTIPLIER * stride));
  let zz = z;
  if (roundsAway<R>()) zz = i32x4.add(z, i32x4.shr_s(z, 31));
  const shifted = highMulRound(zz, v128.load(p + ROW_SHIFT_MULTIPLIER * stride));
  return v128.bitselect(z, shifted, v128.load(p + ROW_NO_SHIFT * stride));
}

/**
 * Eight requantized int32 lanes (a: channels 0–3, b: 4–7) plus the output zero point, clamped
 * to [lo, hi] and narrowed to bytes of type T (in the low 8 lanes). Narrowing to int16 first saturates,
 * and adding the zero point in int16 saturates too, so huge values still clamp correctly.
 */
// @ts-ignore: decorator
@inline
export function finish8<T>(a: v128, b: v128, zp16: v128, lo: v128, hi: v128): v128 {
  const v = i16x8.add_sat_s(i16x8.narrow_i32x4_s(a, b), zp16);
  if (isSigned<T>()) return i8x16.min_s(i8x16.max_s(i8x16.narrow_i16x8_s(v, v), lo), hi);
  return i8x16.min_u(i8x16.max_u(i8x16.narrow_i16x8_u(v, v), lo), hi);
}
