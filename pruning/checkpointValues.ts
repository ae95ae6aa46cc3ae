/**
 * What a batch read of one checkpoint's reports (a stage's values, or a rung's): `count` values are stored, and
 * `values` holds those of ascending ranks `from`, `from + 1`, … (a window of them, or all).
 */
export interface StoredReports {
  count: number;
  from: number;
  values: number[];
}

/**
 * The values of one checkpoint as a batch sees them: the window it read from the trial store plus the reports
 * its own trials added since, answered by rank. A window that holds stored ranks `[r - m, r]` answers rank `r`
 * exactly, with `m` values added (see {@link readWindow}): the r-th smallest of all lies between the stored
 * (r - m)-th and r-th, and everything below the window is below every value of it. So a batch of a million-trial
 * session reads a few thousand values, not a million.
 */
export class CheckpointValues {
  /** Values added here, ascending. */
  private readonly added: number[] = [];

  constructor(private readonly stored: StoredReports) {}

  /** Stored and added values. */
  get size(): number {
    return this.stored.count + this.added.length;
  }

  add(value: number): void {
    let lo = 0, hi = this.added.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.added[mid] <= value) lo = mid + 1;
      else hi = mid;
    }
    this.added.splice(lo, 0, value);
  }

  /**
   * The value of ascending rank `rank` (0: the smallest) among the stored and the added values.
   * @throws RangeError for a rank the window read cannot answer: read it with {@link readWindow}.
   */
  at(rank: number): number {
    const { count, from, values } = this.stored;
    if (!(Number.isInteger(rank) && rank >= 0 && rank < this.size)) throw new RangeError(`rank ${rank} of ${this.size} values`);
    if (count === 0) return this.added[rank];
    if (values.length === 0) throw new RangeError(`rank ${rank}: no stored value was read`);
    const low = values[0], high = values[values.length - 1];
    // Below the window lie `from` stored values and the added ones below its lowest: all of them below every
    // value from the window on, so the ranks from there count on from their number.
    const below = from === 0 ? 0 : from + countBelow(this.added, low);
    const merged = mergeSorted(values, from === 0 ? this.added : this.added.filter((v) => v >= low));
    const value = merged[rank - below];
    const topRead = from + values.length === count;
    if (value === undefined || (!topRead && value > high)) throw new RangeError(`rank ${rank} lies outside the stored ranks ${from}..${from + values.length - 1} read`);
    return value;
  }
}

/**
 * The stored ranks `[from, to)` a batch reads so that every rank in `[lo, hi]` of stored plus up to `added`
 * values of its own is answered exactly: `[lo - added, hi]`, within the `count` stored.
 */
export function readWindow(count: number, added: number, lo: number, hi: number): { from: number; to: number } {
  const from = Math.max(0, Math.min(count, lo - added));
  return { from, to: Math.max(from, Math.min(count, hi + 1)) };
}

function countBelow(sorted: readonly number[], value: number): number {
  let lo = 0, hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function mergeSorted(a: readonly number[], b: readonly number[]): number[] {
  const out = new Array<number>(a.length + b.length);
  let i = 0, j = 0, k = 0;
  while (i < a.length && j < b.length) out[k++] = a[i] <= b[j] ? a[i++] : b[j++];
  while (i < a.length) out[k++] = a[i++];
  while (j < b.length) out[k++] = b[j++];
  return out;
}
