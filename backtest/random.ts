import { Prng } from '../search/prng';

/**
 * A seeded generator for synthetic bars, on the same sfc32 core as the samplers: 32-bit integer arithmetic,
 * exact on every JavaScript engine, so a seed gives the same series everywhere (the shipped samples depend on
 * it). Its own seeding and output mapping stay as they are, so the shipped series do not change.
 */
export class Random {
  private readonly core: Prng;
  private spare = NaN;

  constructor(seed: number) {
    this.core = new Prng([0x9e3779b9 ^ (seed >>> 0), 0x243f6a88 ^ Math.floor(seed / 4294967296), 0xb7e15162, 1]);
    // Early outputs of a freshly seeded sfc32 still echo the seed.
    for (let i = 0; i < 15; i++) this.core.nextU32();
  }

  /** Uniform in (0, 1): never 0, so that `Math.log` of it is finite. */
  uniform(): number {
    return (this.core.nextU32() + 0.5) / 4294967296;
  }

  /** Standard normal by Box-Muller, using both values of each pair. */
  normal(): number {
    if (!Number.isNaN(this.spare)) {
      const z = this.spare;
      this.spare = NaN;
      return z;
    }
    const r = Math.sqrt(-2 * Math.log(this.uniform()));
    const theta = 2 * Math.PI * this.uniform();
    this.spare = r * Math.sin(theta);
    return r * Math.cos(theta);
  }
}
