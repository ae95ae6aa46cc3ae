/**
 * The `capacity` best items of a stream under `better` (a strict order: true when a ranks before b), in a
 * binary heap whose root is the worst kept item, so each offer costs O(log capacity) and memory stays bounded.
 */
export class BoundedBest<T> {
  private readonly heap: T[] = [];

  constructor(readonly capacity: number, private readonly better: (a: T, b: T) => boolean) {}

  offer(item: T): void {
    const h = this.heap;
    if (this.capacity <= 0) return;
    if (h.length < this.capacity) {
      h.push(item);
      this.up(h.length - 1);
    } else if (this.better(item, h[0])) {
      h[0] = item;
      this.down(0);
    }
  }

  /** The kept items, best first. */
  sorted(): T[] {
    return [...this.heap].sort((a, b) => (this.better(a, b) ? -1 : this.better(b, a) ? 1 : 0));
  }

  private up(i: number): void {
    const h = this.heap;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.better(h[parent], h[i])) break;
      [h[parent], h[i]] = [h[i], h[parent]];
      i = parent;
    }
  }

  private down(i: number): void {
    const h = this.heap;
    for (;;) {
      let worst = i;
      for (const c of [2 * i + 1, 2 * i + 2]) if (c < h.length && this.better(h[worst], h[c])) worst = c;
      if (worst === i) return;
      [h[worst], h[i]] = [h[i], h[worst]];
      i = worst;
    }
  }
}
