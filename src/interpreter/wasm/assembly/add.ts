// @ts-nocheck -- AssemblyScript (compiled by scripts/build-wasm.mjs), not part of the TypeScript program.

/*
 * Quantized ADD (uint8, int8) over a broadcast walk, bit-exact with TFLite's 8-bit ADD (see
 * src/interpreter/kernels/add.ts). Each input byte's rescaled value, M_in((q − zp)·2^20), is
 * looked up in a table of 256 int32 the TypeScript side computes (indexed by the raw byte);
 * the output stage, M_out(a + b) with gemmlowp's rounding, the zero point and the clamp, runs
 * here per element with exact 64-bit products: no 64 KiB table of results to build or keep.
 */

/** gemmlowp's SaturatingRoundingDoublingHighMul. */
// @ts-ignore: decorator
@inline
function highMul(x: i32, m: i32): i32 {
  if (x == i32.MIN_VALUE && m == i32.MIN_VALUE) return i32.MAX_VALUE;
  const ab = <i64>x * <i64>m;
  const nudge: i64 = ab >= 0 ? 0x40000000 : -0x3fffffff;
  // i64 division truncates toward zero, as C++'s.
  return <i32>((ab + nudge) / 0x80000000);
}

/** gemmlowp's RoundingDivideByPOT: x / 2^e, ties away from zero. */
// @ts-ignore: decorator
@inline
function roundingDivideByPOT(x: i32, e: i32): i32 {
  const mask = (1 << e) - 1;
  const remainder = x & mask;
  const threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> e) + (remainder > threshold ? 1 : 0);
}

/**
 * out[n] = clamp(RDBP(highMul(scaledA[a[ia]] + scaledB[b[ib]], mOut), sOut) + zpOut, lo, hi),
 * walking `rows` rows of `inner` elements: row r starts at aOffsets[r] / bOffsets[r] (int32
 * arrays) and steps by aStep / bStep (0 where that input is broadcast).
 */
export function addQuantized(a: usize, b: usize, out: usize, rows: i32, inner: i32, aOffsets: usize, bOffsets: usize, aStep: i32, bStep: i32,
  scaledA: usize, scaledB: usize, mOut: i32, sOut: i32, zpOut: i32, lo: i32, hi: i32): void {
  let o = out;
  for (let r = 0; r < rows; r++) {
    let ia = load<i32>(aOffsets + (<usize>r << 2));
    let ib = load<i32>(bOffsets + (<usize>r << 2));
    for (let i = 0; i < inner; i++) {
      const sum = load<i32>(scaledA + (<usize>load<u8>(a + <usize>ia) << 2)) + load<i32>(scaledB + (<usize>load<u8>(b + <usize>ib) << 2));
      const v = roundingDivideByPOT(highMul(sum, mOut), sOut) + zpOut;
      store<u8>(o, <u8>(v < lo ? lo : v > hi ? hi : v));
      o++;
      ia += aStep;
      ib += bStep;
    }
  }
}
