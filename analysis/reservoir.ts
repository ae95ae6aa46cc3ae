import { Prng } from '../search/prng';

/**
 * A uniform random sample of at most `capacity` items from a stream of unknown length (Vitter's algorithm R),
 * seeded, so the same stream gives the same sample on every run. Memory: `capacity` items, whatever the stream.
 */
export class Reservoir<T> {
  private readonly kept: T[] = [];
  private readonly rng: Prng;
  /** Items offered so far. */
  seen = 0;

  constructor(readonly capacity: number, seed: number) {
    this.rng = Prng.fromSeed(seed, 0x524553);
  }

  offer(item: T): void {
    this.seen++;
    if (this.kept.length < this.capacity) this.kept.push(item);
    else {
      const j = this.rng.below(this.seen);
      if (j < this.capacity) this.kept[j] = item;
    }
  }

  /** The sample, in no particular order. */
  items(): T[] {
    return [...this.kept];
  }
}
