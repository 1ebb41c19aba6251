import { randomBytes } from 'node:crypto';

/**
 * A small, fast, seedable random generator (xoshiro128**) for weight initialisation and
 * batch sampling, so that a training run with a seed repeats exactly. Coral seeds from
 * std::random_device, which makes its runs unrepeatable.
 */
export class SeededRandom {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  /** The second value of the last Box-Muller pair, or NaN when there is none. */
  private spareNormal = Number.NaN;

  /** `seed`: any integer (or a saved `state`); none: a random seed from the OS. */
  constructor(seed?: number | readonly number[]) {
    if (Array.isArray(seed)) {
      if (seed.length !== 4 || !seed.every((x) => Number.isInteger(x))) throw new RangeError('a random state is four 32-bit integers');
      [this.s0, this.s1, this.s2, this.s3] = seed.map((x) => x >>> 0) as [number, number, number, number];
    } else {
      const n = seed === undefined ? randomBytes(4).readUInt32LE(0) : (seed as number);
      if (!Number.isFinite(n)) throw new RangeError(`seed must be a finite number, got ${n}`);
      // splitmix32 spreads even a tiny seed over the whole state.
      let x = (Math.floor(n) ^ Math.floor(n / 2 ** 32)) >>> 0;
      const next = (): number => {
        x = (x + 0x9e3779b9) >>> 0;
        let z = x;
        z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
        z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
        return (z ^ (z >>> 16)) >>> 0;
      };
      this.s0 = next();
      this.s1 = next();
      this.s2 = next();
      this.s3 = next();
      if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
    }
  }

  /**
   * The generator's state, to resume the same sequence later (`new SeededRandom(state)`).
   * A pending second normal sample is not part of it.
   */
  get state(): number[] {
    return [this.s0, this.s1, this.s2, this.s3];
  }

  /** A uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  uniform(): number {
    const hi = this.nextUint32() >>> 5;
    const lo = this.nextUint32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** A uniform integer in [0, n), without modulo bias. */
  below(n: number): number {
    if (n <= 1) return 0;
    // Above 2^21 the product below would not be exact in a double; 53 bits are plenty there.
    if (n > 2 ** 21) return Math.floor(this.uniform() * n);
    // Lemire's method: multiply, and reject the few values that would bias the result.
    const threshold = (2 ** 32 - n) % n;
    for (;;) {
      const x = this.nextUint32();
      const m = x * n;
      const low = m % 2 ** 32;
      if (low >= threshold) return Math.floor(m / 2 ** 32);
    }
  }

  /** A standard normal sample (Box-Muller, both values of each pair used). */
  normal(): number {
    if (!Number.isNaN(this.spareNormal)) {
      const z = this.spareNormal;
      this.spareNormal = Number.NaN;
      return z;
    }
    let u = 0;
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
