/**
 * Floating-point helpers that reproduce numpy's and Python's results bit for bit, so that statistics
 * agree with backtesting.py beyond the last printed digit even where sums cancel.
 */

/**
 * Sum of `a[from..to)` in numpy's pairwise order (8-way unrolled blocks of up to 128, halved above),
 * which is what `ndarray.sum()` and pandas' `Series.sum()` compute for float64.
 */
export function pairwiseSum(a: ArrayLike<number>, from: number, to: number): number {
  const n = to - from;
  if (n < 8) {
    let s = 0;
    for (let i = from; i < to; i++) s += a[i];
    return s;
  }
  if (n <= 128) {
    let r0 = a[from], r1 = a[from + 1], r2 = a[from + 2], r3 = a[from + 3];
    let r4 = a[from + 4], r5 = a[from + 5], r6 = a[from + 6], r7 = a[from + 7];
    const blockEnd = to - (n % 8);
    let i = from + 8;
    for (; i < blockEnd; i += 8) {
      r0 += a[i]; r1 += a[i + 1]; r2 += a[i + 2]; r3 += a[i + 3];
      r4 += a[i + 4]; r5 += a[i + 5]; r6 += a[i + 6]; r7 += a[i + 7];
    }
    let s = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7));
    for (; i < to; i++) s += a[i];
    return s;
  }
  let half = Math.floor(n / 2);
  half -= half % 8;
  return pairwiseSum(a, from, from + half) + pairwiseSum(a, from + half, to);
}

/** pandas' `Series.mean()` of `a[from..to)`; NaN when empty. */
export function mean(a: ArrayLike<number>, from: number, to: number): number {
  return pairwiseSum(a, from, to) / (to - from);
}

/**
 * pandas' `Series.var(ddof)`: two passes, mean first, then the sum of squared deviations.
 * `scratch` must hold at least `to - from` values; it avoids an allocation per call.
 */
export function variance(a: ArrayLike<number>, from: number, to: number, ddof: number, scratch: Float64Array): number {
  const n = to - from;
  if (n - ddof <= 0) return NaN;
  const avg = pairwiseSum(a, from, to) / n;
  for (let i = 0; i < n; i++) {
    const d = avg - a[from + i];
    scratch[i] = d * d;
  }
  return pairwiseSum(scratch, 0, n) / (n - ddof);
}

/**
 * Python's `x // y` for positive finite floats. `Math.floor(x / y)` differs when the quotient rounds
 * up to a whole number, which would buy one unit more than backtesting.py does.
 */
export function pyFloorDiv(x: number, y: number): number {
  const mod = x % y;
  const div = (x - mod) / y;
  if (div === 0) return 0;
  let floor = Math.floor(div);
  if (div - floor > 0.5) floor += 1;
  return floor;
}
