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
 * `period` defined inputs (as TA-Lib does), starting at `values[first]`.
 */
export function ema(values: ArrayLike<number>, period: number, first = 0): Float64Array {
  const n = values.length;
  const out = new Float64Array(n).fill(NaN);
  const seedEnd = first + period - 1;
  if (seedEnd >= n) return out;
  let seed = 0;
  for (let i = first; i <= seedEnd; i++) seed += values[i];
  let e = seed / period;
  out[seedEnd] = e;
  const alpha = 2 / (period + 1);
  for (let i = seedEnd + 1; i < n; i++) {
    e += alpha * (values[i] - e);
    out[i] = e;
  }
  return out;
}

/** Wilder's relative strength index (0..100), defined from bar `period`; 50 while prices do not move. */
export function rsi(values: ArrayLike<number>, period: number): Float64Array {
  const n = values.length;
  const out = new Float64Array(n).fill(NaN);
  if (period >= n) return out;
  let gain = 0, loss = 0;
  for (let i = 1; i <= period; i++) {
    const d = values[i] - values[i - 1];
    if (d > 0) gain += d;
    else loss -= d;
  }
  gain /= period;
  loss /= period;
  out[period] = rsiOf(gain, loss);
  for (let i = period + 1; i < n; i++) {
    const d = values[i] - values[i - 1];
    gain = (gain * (period - 1) + (d > 0 ? d : 0)) / period;
    loss = (loss * (period - 1) + (d < 0 ? -d : 0)) / period;
    out[i] = rsiOf(gain, loss);
  }
  return out;
}

/** Population standard deviation over a rolling window (Bollinger's definition), two-pass per window for accuracy. */
export function rollingStd(values: ArrayLike<number>, period: number, means: ArrayLike<number>): Float64Array {
  const n = values.length;
  const out = new Float64Array(n).fill(NaN);
  for (let i = period - 1; i < n; i++) {
    const m = means[i];
    let ss = 0;
    for (let j = i - period + 1; j <= i; j++) ss += (values[j] - m) * (values[j] - m);
    out[i] = Math.sqrt(ss / period);
  }
  return out;
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

function rsiOf(gain: number, loss: number): number {
  if (loss === 0) return gain === 0 ? 50 : 100;
  return 100 - 100 / (1 + gain / loss);
}

function isNegative(v: number): boolean {
  return v < 0 || (v === 0 && 1 / v < 0);
}
