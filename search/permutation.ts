import { mix32, seedKey } from './prng';

const ROUNDS = 4;

/**
 * A seeded bijection of [0, n) computed on the fly: a balanced Feistel network over the smallest even power
 * of two >= n, cycle-walked back into range. Visiting positions 0, 1, 2, ... visits every index exactly once
 * in a random-looking order while the state is one cursor, whatever n is (up to 2^52).
 */
export class Permutation {
  private readonly half: number;
  private readonly mask: number;
  private readonly keys: number[];

  constructor(
    private readonly n: number,
    seed: number,
    salt: number,
  ) {
    let bits = 2;
    while (2 ** bits < n) bits += 2;
    this.half = bits / 2;
    this.mask = 2 ** this.half - 1;
    this.keys = Array.from({ length: ROUNDS }, (_, r) => seedKey(seed, salt * 8 + r));
  }

  at(position: number): number {
    let x = position;
    do x = this.feistel(x);
    while (x >= this.n);
    return x;
  }

  private feistel(x: number): number {
    const size = this.mask + 1;
    let left = Math.floor(x / size);
    let right = x % size;
    for (const key of this.keys) {
      const next = (left ^ (mix32(right ^ key) & this.mask)) >>> 0;
      left = right;
      right = next;
    }
    return left * size + right;
  }
}
