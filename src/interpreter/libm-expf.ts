/**
 * expf as glibc (2.27 and later) computes it, which is what TFLite's std::exp(float) calls on
 * Linux: exp(x) = 2^(k/32) · 2^(r/32) with k = round(x · 32/ln 2), a 32-entry table of 2^(i/32)
 * and a cubic polynomial in r, all in double, rounded to float once at the end. It is not
 * correctly rounded: Math.exp rounded to float32 differs from it on about 1 in 1,500 inputs,
 * which shows in LOGISTIC outputs. Measured identical to the runtime's EXP on 2^20 inputs.
 */

/** Parses a C99 hexadecimal double literal of the form 0x1.<hex>p<exp>. */
function hexDouble(literal: string): number {
  const m = /^0x1\.([0-9a-f]+)p([+-]?\d+)$/.exec(literal);
  if (!m) throw new Error(`bad hex float ${literal}`);
  return (1 + parseInt(m[1]!, 16) / 16 ** m[1]!.length) * 2 ** Number(m[2]);
}

const N = 32;
const INV_LN2_N = hexDouble('0x1.71547652b82fep+0') * N;
/** 1.5 · 2^52: adding it rounds a double to an integer (ties to even). */
const ROUND_SHIFT = 6755399441055744;
const C0 = hexDouble('0x1.c6af84b912394p-5') / (N * N * N);
const C1 = hexDouble('0x1.ebfce50fac4f3p-3') / (N * N);
const C2 = hexDouble('0x1.62e42ff0c52d6p-1') / N;
/** Above this expf overflows to +inf; below the lower bound it underflows to 0. */
const OVERFLOW_BOUND = 88.72283172607422;
const UNDERFLOW_BOUND = -103.97207641601562;

/** floor(a^(1/n)) for a positive BigInt, by Newton's iteration. */
function integerRoot(a: bigint, n: bigint): bigint {
  let x = 1n << (BigInt(a.toString(2).length) / n + 1n);
  for (;;) {
    const y = ((n - 1n) * x + a / x ** (n - 1n)) / n;
    if (y >= x) return x;
    x = y;
  }
}

/** 2^(i/32) correctly rounded to double (2^(i/32) is irrational for 0 < i < 32, so no ties). */
const POW2_TABLE = Float64Array.from({ length: N }, (_, i) => {
  const scaled = integerRoot(1n << BigInt(32 * 54 + i), 32n); // floor(2^(54 + i/32))
  return Number((scaled + 1n) >> 1n) / 2 ** 53;
});

/** glibc's expf(x) for a float32 value x, as a float32 value. */
export function libmExpf(x: number): number {
  if (x !== x) return x;
  if (x > OVERFLOW_BOUND) return Infinity;
  if (x < UNDERFLOW_BOUND) return 0;
  const z = INV_LN2_N * x;
  const k = z + ROUND_SHIFT - ROUND_SHIFT;
  const r = z - k;
  const j = k - Math.floor(k / N) * N;
  const scale = POW2_TABLE[j]! * 2 ** ((k - j) / N);
  const high = C0 * r + C1;
  const y = (high * (r * r) + (C2 * r + 1)) * scale;
  return Math.fround(y);
}
