import { FLOAT32_MIN_NORMAL } from './elementwise-support.js';
import { libmExpf } from './libm-expf.js';

/** Floats per Eigen packet in the TFLite 2.9 x86-64 build (SSE): vector loops run in blocks of 4, the rest per scalar. */
export const SSE_FLOATS = 4;

const fround = Math.fround;

/** Flush-to-zero: denormal results become (signed) zero. */
function ftz(x: number): number {
  return x < FLOAT32_MIN_NORMAL && x > -FLOAT32_MIN_NORMAL ? x * 0 : x;
}

const mul = (a: number, b: number): number => ftz(fround(a * b));
const add = (a: number, b: number): number => ftz(fround(a + b));
/** Eigen's pmadd without FMA: a multiply and an add, each rounded to float32. */
const madd = (a: number, b: number, c: number): number => add(mul(a, b), c);

const EXP_HI = fround(88.723);
const EXP_LO = -104;
const LOG2E = fround(1.4426950408889634);
const LN2_HI = -0.693359375;
const LN2_LO = fround(0.00021219444);
const EXP_P2 = fround(0.49999988079071045);
const EXP_P3 = fround(0.166665181517601);
const EXP_P4 = fround(0.04166965186595917);
const EXP_P5 = fround(0.008368944749236107);
const EXP_P6 = fround(0.001374496379867196);
/** pldexp clamps the exponent to ±(2^8 + 22). */
const LDEXP_MAX = 278;
/** 2^k for k in [−LDEXP_MAX, LDEXP_MAX] (exact doubles). */
const POW2 = Float64Array.from({ length: 2 * LDEXP_MAX + 1 }, (_, k) => 2 ** (k - LDEXP_MAX));

/** Eigen's packet exp (pexp_float): x = m·ln 2 + r, a degree-6 polynomial for exp(r), then 2^m. */
export function packetExp(x: number): number {
  if (x < EXP_LO) return 0;
  const xc = EXP_HI < x ? EXP_HI : x;
  const m = Math.floor(madd(xc, LOG2E, 0.5));
  let r = madd(m, LN2_HI, xc);
  r = madd(m, LN2_LO, r);
  const r2 = mul(r, r);
  let even = madd(r2, EXP_P6, EXP_P4);
  const odd = madd(r2, EXP_P5, EXP_P3);
  even = madd(r2, even, EXP_P2);
  const low = add(r, 1);
  let y = madd(r, odd, even);
  y = madd(r2, y, low);
  const e = m > LDEXP_MAX ? LDEXP_MAX : m < -LDEXP_MAX ? -LDEXP_MAX : m;
  // pldexp multiplies by 2^floor(e/4) three times, then by the rest: all exact, and no partial
  // product is nearer to underflow (or overflow) than the result, so one multiplication,
  // rounded and flushed once, gives the same float.
  const scaled = mul(y, POW2[e + LDEXP_MAX]!);
  return x > scaled ? x : scaled;
}

/** Eigen's float logistic on packet lanes: e^x / (1 + e^x) with the packet exp. */
export function logisticPacket(input: number): number {
  const x = ftz(input);
  if (x !== x) return x;
  const e = packetExp(x);
  if (e === Infinity) return 1;
  return ftz(fround(e / add(1, e)));
}

/** The same logistic on the scalar tail of a vector loop, where exp is libm's expf. */
export function logisticScalar(input: number): number {
  const x = ftz(input);
  if (x !== x) return x;
  const e = ftz(libmExpf(x));
  if (e === Infinity) return 1;
  return ftz(fround(e / add(1, e)));
}

const TANH_CLAMP = fround(7.905311107635498);
const TANH_TINY = fround(4e-4);
const A1 = fround(0.00489352455891786);
const A3 = fround(0.000637261928875436);
const A5 = fround(1.48572235717979e-5);
const A7 = fround(5.12229709037114e-8);
const A9 = fround(-8.60467152213735e-11);
const A11 = fround(2.00018790482477e-13);
const A13 = fround(-2.76076847742355e-16);
const B0 = fround(0.00489352518554385);
const B2 = fround(0.002268434632439);
const B4 = fround(0.000118534705686654);
const B6 = fround(1.19825839466702e-6);

/** Eigen's generic_fast_tanh_float: a 13/6 rational fit on the clamped input, x itself near 0. */
export function eigenTanh(input: number): number {
  const a = ftz(input);
  const lowClamped = TANH_CLAMP < a ? TANH_CLAMP : a;
  const x = -TANH_CLAMP > lowClamped ? -TANH_CLAMP : lowClamped;
  if (Math.abs(a) < TANH_TINY) return x;
  const x2 = mul(x, x);
  let p = madd(x2, A13, A11);
  p = madd(x2, p, A9);
  p = madd(x2, p, A7);
  p = madd(x2, p, A5);
  p = madd(x2, p, A3);
  p = madd(x2, p, A1);
  p = mul(x, p);
  let q = madd(x2, B6, B4);
  q = madd(x2, q, B2);
  q = madd(x2, q, B0);
  return ftz(fround(p / q));
}
