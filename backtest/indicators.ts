import { mean } from './numeric';

/**
 * Technical indicators over typed arrays. Values before an indicator is defined are NaN, so that comparisons
 * against them are false and no signal fires during warm-up.
 */

/**
 * Simple moving average, bit-identical to pandas' `Series.rolling(period).mean()` (the SMA of backtesting.py's
 * examples): Kahan-compensated running sums with separate compensation for adds and removes, a mean clamped to 0
 * when its sign contradicts all inputs, and the exact input value over a run of equal values. Crossovers compare
 * these values for equality, so any other summation order would change which bars trade on flat stretches.
 */
export function sma(values: ArrayLike<number>, period: number): Float64Array {
  const n = values.length;
  const out = new Float64Array(n);
  let nobs = 0, negCount = 0, sum = 0, compAdd = 0, compRemove = 0, sameRun = 0, prev = NaN;
  for (let i = 0; i < n; i++) {
    if (i >= period) {
      const old = values[i - period];
      if (old === old) {
        nobs--;
        const y = -old - compRemove;
        const t = sum + y;
        compRemove = t - sum - y;
        sum = t;
        if (isNegative(old)) negCount--;
      }
    }
    const v = values[i];
    if (v === v) {
      nobs++;
      const y = v - compAdd;
      const t = sum + y;
      compAdd = t - sum - y;
      sum = t;
      if (isNegative(v)) negCount++;
      sameRun = v === prev ? sameRun + 1 : 1;
      prev = v;
    }
    if (nobs >= period && nobs > 0) {
      if (sameRun >= nobs) out[i] = prev;
      else {
        let m = sum / nobs;
        if ((negCount === 0 && m < 0) || (negCount === nobs && m > 0)) m = 0;
        out[i] = m;
      }
    } else out[i] = NaN;
  }
  return out;
}

/**
 * Exponential moving average with smoothing 2 / (period + 1), seeded with the simple average of its first
 * `period` defined inputs (as TA-Lib does), starting at `values[first]`. Bit-identical to pandas' `Series.mean()`
 * of those inputs followed by `ewm(span=period, adjust=False).mean()`: MACD crossovers compare two EMAs, so any
 * other arithmetic would move a near tie to the other side.
 */
export function ema(values: ArrayLike<number>, period: number, first = 0): Float64Array {
  return seededEwm(values, period, 1 / (1 + (period - 1) / 2), first);
}

/**
 * Wilder's relative strength index (0..100), defined from bar `period`; 50 while prices do not move. Average
 * gains and losses are seeded with the mean of the first `period` changes and smoothed by 1 / period, with
 * pandas' arithmetic (`ewm(com=period - 1, adjust=False)`), so thresholds are crossed on the same bars.
 */
export function rsi(values: ArrayLike<number>, period: number): Float64Array {
  const n = values.length;
  const gains = new Float64Array(n).fill(NaN), losses = new Float64Array(n).fill(NaN);
  for (let i = 1; i < n; i++) {
    const d = values[i] - values[i - 1];
    gains[i] = d > 0 ? d : 0;
    losses[i] = d < 0 ? -d : 0;
  }
  const alpha = 1 / (1 + (period - 1));
  const gain = seededEwm(gains, period, alpha, 1), loss = seededEwm(losses, period, alpha, 1);
  const out = new Float64Array(n).fill(NaN);
  for (let i = period; i < n; i++) out[i] = rsiOf(gain[i], loss[i]);
  return out;
}

/**
 * Population standard deviation over a rolling window (Bollinger's definition), bit-identical to pandas 3's
 * `rolling(period).std(ddof=0)`: Welford's running mean and sum of squared deviations with Kahan-compensated
 * updates (separate compensation for adds and removes), recomputed over the whole window when an update
 * loses all but three significant digits, and negative variances read as 0. Breakouts
 * compare the close with SMA ± k·σ, where the last bit can decide.
 */
export function rollingStd(values: ArrayLike<number>, period: number): Float64Array {
  const n = values.length;
  const out = new Float64Array(n);
  const window = new WelfordWindow();
  for (let i = 0; i < n; i++) {
    const start = Math.max(0, i + 1 - period);
    const recompute = i === 0 || start >= i;
    if (!recompute) {
      for (let j = Math.max(0, i - period); j < start; j++) window.remove(values[j]);
      window.add(values[i]);
    }
    if (recompute || window.unstable) window.refill(values, start, i + 1);
    if (window.nobs >= period && window.nobs > 0) {
      const variance = window.ssqdm / window.nobs;
      out[i] = variance < 0 ? 0 : Math.sqrt(variance);
    } else out[i] = NaN;
  }
  return out;
}

/** An update that leaves fewer than three significant digits of the sum of squares calls for a recomputation. */
const INV_COND_TOL = Number.EPSILON * 1e3;

/** pandas' `add_var`/`remove_var` state for one window. */
class WelfordWindow {
  nobs = 0;
  mean = 0;
  ssqdm = 0;
  unstable = false;
  private compAdd = 0;
  private compRemove = 0;

  add(v: number): void {
    if (v !== v) return;
    const before = this.ssqdm;
    this.nobs++;
    const prevMean = this.mean - this.compAdd;
    const y = v - this.compAdd;
    const t = y - this.mean;
    this.compAdd = t + this.mean - y;
    this.mean += t / this.nobs;
    this.ssqdm += (v - prevMean) * (v - this.mean);
    if (before * INV_COND_TOL > this.ssqdm) this.unstable = true;
  }

  remove(v: number): void {
    if (v !== v) return;
    this.nobs--;
    if (this.nobs === 0) {
      this.mean = 0;
      this.ssqdm = 0;
      this.unstable = false;
      return;
    }
    const before = this.ssqdm;
    const prevMean = this.mean - this.compRemove;
    const y = v - this.compRemove;
    const t = y - this.mean;
    this.compRemove = t + this.mean - y;
    this.mean -= t / this.nobs;
    this.ssqdm -= (v - prevMean) * (v - this.mean);
    if (before * INV_COND_TOL > this.ssqdm) this.unstable = true;
  }

  /** Starts over from `values[from..to)`. */
  refill(values: ArrayLike<number>, from: number, to: number): void {
    this.nobs = this.mean = this.ssqdm = this.compAdd = this.compRemove = 0;
    for (let j = from; j < to; j++) this.add(values[j]);
    this.unstable = false;
  }
}

/**
 * Highest (`sign` 1) or lowest (`sign` -1) value of the `period` bars before each bar, excluding the bar
 * itself, so that a close can break out of it. Monotonic deque: linear time for any period.
 */
export function priorExtreme(values: ArrayLike<number>, period: number, sign: 1 | -1): Float64Array {
  const n = values.length;
  const out = new Float64Array(n).fill(NaN);
  const queue = new Int32Array(n);
  let head = 0, tail = 0;
  for (let i = 0; i < n; i++) {
    if (i >= period) {
      while (queue[head] < i - period) head++;
      out[i] = values[queue[head]];
    }
    const v = sign * values[i];
    while (tail > head && sign * values[queue[tail - 1]] <= v) tail--;
    queue[tail++] = i;
  }
  return out;
}

/**
 * pandas' recursive `ewm(alpha, adjust=False).mean()` over `values[first + period - 1..]`, seeded with the mean
 * (numpy's pairwise sum) of `values[first..first + period)`; NaN before. `alpha` is given as pandas derives it
 * from `span` or `com`, so that it rounds alike.
 */
function seededEwm(values: ArrayLike<number>, period: number, alpha: number, first: number): Float64Array {
  const n = values.length;
  const out = new Float64Array(n).fill(NaN);
  const seedAt = first + period - 1;
  if (seedAt >= n) return out;
  const keep = 1 - alpha;
  let e = mean(values, first, seedAt + 1);
  out[seedAt] = e;
  for (let i = seedAt + 1; i < n; i++) {
    const v = values[i];
    // pandas leaves the average as it is when the input equals it, so a flat stretch stays exactly flat.
    if (e !== v) e = (keep * e + alpha * v) / (keep + alpha);
    out[i] = e;
  }
  return out;
}

function rsiOf(gain: number, loss: number): number {
  if (loss === 0) return gain === 0 ? 50 : 100;
  return 100 - 100 / (1 + gain / loss);
}

function isNegative(v: number): boolean {
  return v < 0 || (v === 0 && 1 / v < 0);
}
