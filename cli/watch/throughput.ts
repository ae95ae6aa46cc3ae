/** How far back the rate looks: long enough to smooth batches that finish together, short enough to follow a pause. */
const RATE_WINDOW_MS = 30_000;
/** Samples spanning less than this say nothing yet about the rate. */
const MIN_SPAN_MS = 2_000;

/**
 * Trials per second over a moving window of progress samples, measured where the view runs: the session
 * reports counts, not times. A count that goes down (another session under the same id) starts over.
 */
export class ThroughputWindow {
  private samples: Array<{ at: number; done: number }> = [];

  constructor(private readonly windowMs = RATE_WINDOW_MS) {}

  add(at: number, done: number): void {
    const last = this.samples[this.samples.length - 1];
    if (last && (done < last.done || at < last.at)) this.samples = [];
    this.samples.push({ at, done });
    // Keep one sample at or before the window's start, so the rate always spans the whole window.
    while (this.samples.length > 2 && this.samples[1].at <= at - this.windowMs) this.samples.shift();
  }

  /** Null until the samples span MIN_SPAN_MS. */
  perSecond(): number | null {
    if (this.samples.length < 2) return null;
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    const span = last.at - first.at;
    return span < MIN_SPAN_MS ? null : ((last.done - first.done) * 1000) / span;
  }
}

/** Time left for `remaining` trials at `perSecond`; null when the rate is unknown or nothing finishes. */
export function etaMs(remaining: number, perSecond: number | null): number | null {
  if (remaining <= 0) return 0;
  if (perSecond === null || perSecond <= 0) return null;
  return (remaining / perSecond) * 1000;
}
