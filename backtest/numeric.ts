/**
 * Floating-point helpers that reproduce numpy's and Python's results bit for bit, so that statistics
 * agree with backtesting.py beyond the last printed digit even where sums cancel.
 */

/**
 * The sums of the halves being added, one slot per level of the halving: a recursive call hands its sum over
 * here rather than returning it, because V8 boxes a float returned from a call it does not inline (recursion is
 * never inlined), and those boxes were most of what a batch of backtests allocated.
 */
const partials = new Float64Array(64);

/**
 * Sum of `a[from..to)` in numpy's pairwise order (8-way unrolled blocks of up to 128, halved above),
 * which is what `ndarray.sum()` and pandas' `Series.sum()` compute for float64.
 */
export function pairwiseSum(a: ArrayLike<number>, from: number, to: number): number {
  if (to - from <= 128) return blockSum(a, from, to);
  halvesSum(a, from, to, 0);
  return partials[0];
}

/** Writes the pairwise sum of `a[from..to)` to `partials[level]`. */
function halvesSum(a: ArrayLike<number>, from: number, to: number, level: number): void {
  const n = to - from;
  if (n <= 128) {
    partials[level] = blockSum(a, from, to);
    return;
  }
  let half = Math.floor(n / 2);
  half -= half % 8;
  halvesSum(a, from, from + half, level + 1);
  const left = partials[level + 1];
  halvesSum(a, from + half, to, level + 1);
  partials[level] = left + partials[level + 1];
}

/** numpy's sum of one block of at most 128 values: eight accumulators over whole groups of eight, then the rest in order. */
function blockSum(a: ArrayLike<number>, from: number, to: number): number {
  const n = to - from;
  if (n < 8) {
    let s = 0;
    for (let i = from; i < to; i++) s += a[i];
    return s;
  }
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

/**
 * {@link pairwiseSum} of `length` values that are +0 except `values[k]` at index `at[k]` (k < count, indexes
 * increasing): the same tree of additions over the same blocks, so the same sum to the last bit (adding +0
 * changes no partial sum), in time proportional to `count` rather than `length`.
 */
export function sparsePairwiseSum(at: ArrayLike<number>, values: ArrayLike<number>, count: number, length: number): number {
  sparseHalvesSum(at, values, 0, count, 0, length, 0);
  return partials[0];
}

/** Writes to `partials[level]` the pairwise sum of indexes `[from, to)`, whose non-zero values are entries `[first, last)`. */
function sparseHalvesSum(at: ArrayLike<number>, values: ArrayLike<number>, first: number, last: number, from: number, to: number, level: number): void {
  const n = to - from;
  if (first === last) partials[level] = 0;
  else if (n < 8) {
    let s = 0;
    for (let k = first; k < last; k++) s += values[k];
    partials[level] = s;
  } else if (n <= 128) partials[level] = sparseBlockSum(at, values, first, last, from, to);
  else {
    let half = Math.floor(n / 2);
    half -= half % 8;
    let split = first;
    while (split < last && at[split] < from + half) split++;
    sparseHalvesSum(at, values, first, split, from, from + half, level + 1);
    const left = partials[level + 1];
    sparseHalvesSum(at, values, split, last, from + half, to, level + 1);
    partials[level] = left + partials[level + 1];
  }
}

/** {@link blockSum} of a block of 8 to 128 indexes `[from, to)` whose non-zero values are entries `[first, last)`. */
function sparseBlockSum(at: ArrayLike<number>, values: ArrayLike<number>, first: number, last: number, from: number, to: number): number {
  // numpy's eight accumulators, r[j] summing the indexes j mod 8 of the whole groups, then the tail in order.
  let r0 = 0, r1 = 0, r2 = 0, r3 = 0, r4 = 0, r5 = 0, r6 = 0, r7 = 0;
  const blockEnd = to - ((to - from) % 8);
  let k = first;
  for (; k < last && at[k] < blockEnd; k++) {
    const v = values[k];
    switch ((at[k] - from) & 7) {
      case 0: r0 += v; break;
      case 1: r1 += v; break;
      case 2: r2 += v; break;
      case 3: r3 += v; break;
      case 4: r4 += v; break;
      case 5: r5 += v; break;
      case 6: r6 += v; break;
      default: r7 += v;
    }
  }
  let s = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7));
  for (; k < last; k++) s += values[k];
  return s;
}

/** pandas' `Series.mean()` of `a[from..to)`; NaN when empty. */
export function mean(a: ArrayLike<number>, from: number, to: number): number {
  return pairwiseSum(a, from, to) / (to - from);
}

/** pandas' `Series.var(ddof)`: two passes, mean first, then the sum of squared deviations. */
export function variance(a: ArrayLike<number>, from: number, to: number, ddof: number): number {
  const n = to - from;
  if (n - ddof <= 0) return NaN;
  const avg = pairwiseSum(a, from, to) / n;
  return squaredDeviationSum(a, from, to, avg) / (n - ddof);
}

/**
 * {@link pairwiseSum} of `(center − a[i])²` over `a[from..to)`: the tree depends on the count alone, so squaring
 * as the blocks read the values adds the same squares in the same order as summing them written out would.
 */
function squaredDeviationSum(a: ArrayLike<number>, from: number, to: number, center: number): number {
  if (to - from <= 128) return squaresBlockSum(a, from, to, center);
  squaresHalvesSum(a, from, to, center, 0);
  return partials[0];
}

function squaresHalvesSum(a: ArrayLike<number>, from: number, to: number, center: number, level: number): void {
  const n = to - from;
  if (n <= 128) {
    partials[level] = squaresBlockSum(a, from, to, center);
    return;
  }
  let half = Math.floor(n / 2);
  half -= half % 8;
  squaresHalvesSum(a, from, from + half, center, level + 1);
  const left = partials[level + 1];
  squaresHalvesSum(a, from + half, to, center, level + 1);
  partials[level] = left + partials[level + 1];
}

/** {@link blockSum} of the squared deviations. */
function squaresBlockSum(a: ArrayLike<number>, from: number, to: number, center: number): number {
  const sq = (i: number) => {
    const d = center - a[i];
    return d * d;
  };
  const n = to - from;
  if (n < 8) {
    let s = 0;
    for (let i = from; i < to; i++) s += sq(i);
    return s;
  }
  let r0 = sq(from), r1 = sq(from + 1), r2 = sq(from + 2), r3 = sq(from + 3);
  let r4 = sq(from + 4), r5 = sq(from + 5), r6 = sq(from + 6), r7 = sq(from + 7);
  const blockEnd = to - (n % 8);
  let i = from + 8;
  for (; i < blockEnd; i += 8) {
    r0 += sq(i); r1 += sq(i + 1); r2 += sq(i + 2); r3 += sq(i + 3);
    r4 += sq(i + 4); r5 += sq(i + 5); r6 += sq(i + 6); r7 += sq(i + 7);
  }
  let s = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7));
  for (; i < to; i++) s += sq(i);
  return s;
}

/**
 * Python's `x // y` for positive finite floats. `Math.floor(x / y)` differs when the quotient rounds
 * up to a whole number, which would buy one unit more than backtesting.py does.
 */
export function pyFloorDiv(x: number, y: number): number {
  // The quotient of a smaller x is 0 without the remainder, which V8 takes in a slow call of C's fmod.
  if (x < y) return 0;
  // Rounding is monotonic and whole numbers (below 2^53) are doubles, so a rounded quotient q strictly between
  // two of them has the exact quotient between the same two: its floor is Python's. Only a q that came out
  // whole (1 / 0.1 is 10, 1 // 0.1 is 9) needs the remainder.
  const q = x / y, whole = Math.floor(q);
  if (q !== whole && q < 2 ** 52) return whole;
  const mod = x % y;
  const div = (x - mod) / y;
  if (div === 0) return 0;
  let floor = Math.floor(div);
  if (div - floor > 0.5) floor += 1;
  return floor;
}

/** fdlibm's `__ieee754_log` coefficients, which V8's `Math.log` uses. */
const LG1 = 6.666666666666735130e-01, LG2 = 3.999999999940941908e-01, LG3 = 2.857142874366239149e-01,
  LG4 = 2.222219843214978396e-01, LG5 = 1.818357216161805012e-01, LG6 = 1.531383769920937332e-01,
  LG7 = 1.479819860511658591e-01;

/**
 * `Math.log(x)`, bit for bit on x86-64, at about half its cost for x in [0.75, 1.25] (a bar's equity ratio): the
 * steps of fdlibm's logarithm (V8's) where x needs no scaling by a power of two, written out so that V8 compiles
 * them into the loop instead of calling out to C. Elsewhere it is `Math.log(x)`. A platform whose C compiler
 * fuses multiply-adds in V8's own copy may differ in the last bit; backtesting.py's numpy logarithm differs from
 * both by as much.
 */
export function inlineLog(x: number): number {
  // fdlibm's own path for |x − 1| < 2⁻²⁰ (x − 1 − (x − 1)²/2 + ...) is left to Math.log.
  if (!(x >= 0.75 && x <= 1.25) || (x >= 1 - 2 ** -20 && x < 1 + 2 ** -20)) return Math.log(x);
  // x − 1 is exact here (Sterbenz); fdlibm's ln(1 + f) = f − s·(f − R), s = f / (2 + f).
  const f = x - 1, s = f / (2 + f), z = s * s, w = z * z;
  const t1 = w * (LG2 + w * (LG4 + w * LG6));
  const t2 = z * (LG1 + w * (LG3 + w * (LG5 + w * LG7)));
  return f - s * (f - (t2 + t1));
}

/** Reciprocals of 3, 5, 7 and 9: the series of atanh. */
const ATANH_3 = 1 / 3, ATANH_5 = 1 / 5, ATANH_7 = 1 / 7, ATANH_9 = 1 / 9;

/**
 * `ln(b / a)` for positive a and b, at a third of `Math.log`'s cost for ratios near 1 (every bar of intraday
 * data): ln(b/a) = 2·atanh(s) with s = (b − a)/(b + a), b − a being exact (Sterbenz) when b/a lies in [0.5, 2].
 * For |s| ≤ 1/64 (a ratio within about ±3 %) the series to s⁹ leaves under 1e-19 relative, so the value is
 * within about one unit in the last place of the exact logarithm of b/a. numpy takes `np.log` of the rounded
 * ratio instead, which moves it by up to 1.1e-16 absolute; elsewhere (and for 0 or NaN) this is `Math.log(b / a)`.
 */
export function logRatio(a: number, b: number): number {
  const s = (b - a) / (b + a);
  if (!(s >= -0.015625 && s <= 0.015625)) return Math.log(b / a);
  const z = s * s;
  const t = s + s;
  return t + t * z * (ATANH_3 + z * (ATANH_5 + z * (ATANH_7 + z * ATANH_9)));
}
