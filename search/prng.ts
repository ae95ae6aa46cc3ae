/** sfc32 state: four unsigned 32-bit words, plain numbers so that it serializes as JSON. */
export type PrngState = [number, number, number, number];

const TWO_POW_26 = 67108864;
const TWO_POW_53 = 9007199254740992;

/** Mixes a 32-bit word (lowbias32); used for seeding and for keyed hashes. */
export function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

/** A 32-bit key derived from a seed of up to 53 bits and a salt, so that independent streams never share keys. */
export function seedKey(seed: number, salt: number): number {
  const lo = seed >>> 0;
  const hi = Math.floor(seed / 4294967296) >>> 0;
  return mix32(mix32(lo ^ mix32(salt + 0x9e3779b9)) ^ mix32(hi + 0x632be5ab));
}

/**
 * sfc32 (Chris Doty-Humphrey's Small Fast Chaotic generator): passes PractRand to terabytes, four words of
 * state, and uses only 32-bit integer arithmetic, which is exact and identical on every JavaScript engine.
 */
export class Prng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(state: PrngState) {
    [this.a, this.b, this.c, this.d] = state;
  }

  static fromSeed(seed: number, salt = 0): Prng {
    const rng = new Prng([seedKey(seed, salt), seedKey(seed, salt + 1), seedKey(seed, salt + 2), 1]);
    // The first outputs of a freshly seeded sfc32 are still correlated with the seed.
    for (let i = 0; i < 12; i++) rng.nextU32();
    return rng;
  }

  state(): PrngState {
    return [this.a, this.b, this.c, this.d];
  }

  nextU32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  float(): number {
    const hi = this.nextU32() >>> 5;
    const lo = this.nextU32() >>> 6;
    return (hi * TWO_POW_26 + lo) / TWO_POW_53;
  }

  /** Uniform integer in [0, n). */
  below(n: number): number {
    return Math.floor(this.float() * n);
  }

  /** Standard normal by Box-Muller; the second variate is dropped so that the state stays four words. */
  normal(): number {
    const u = 1 - this.float();
    const v = this.float();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
}
