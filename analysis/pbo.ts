/**
 * The probability of backtest overfitting by combinatorially symmetric cross-validation (Bailey, Borwein,
 * López de Prado & Zhu 2015, "The Probability of Backtest Overfitting", Journal of Computational Finance).
 */

export interface PboResult {
  /** Share of the splits in which the in-sample best ranks at or below the median out of sample (λ ≤ 0). */
  pbo: number;
  /** λ = ln(ω / (1 − ω)) per split, ω the in-sample best's relative out-of-sample rank; in enumeration order. */
  logits: Float64Array;
  /** Splits into halves: C(S, S/2). */
  combinations: number;
  /** S, the blocks the returns are cut into. */
  blocks: number;
  /** Returns in each block. */
  blockLength: number;
  /** Returns left out at the start so that every block holds as many. */
  dropped: number;
  /** K, the trials compared. */
  trials: number;
}

/** Why PBO cannot be computed for `trials` series of `returns` values in `blocks` blocks; null when it can. */
export function pboProblem(trials: number, returns: number, blocks: number): string | null {
  if (trials < 2) return `PBO compares trials with each other and needs at least 2, got ${trials}`;
  if (!Number.isInteger(blocks) || blocks < 2 || blocks % 2 !== 0) return `PBO needs an even number of blocks, at least 2, got ${blocks}`;
  const half = Math.floor(returns / blocks) * (blocks / 2);
  if (half < 2) return `${returns} returns are too few for ${blocks} blocks: each half of the data would hold fewer than 2`;
  return null;
}

/**
 * CSCV over the per-period returns of K trials (`returns[k]`, equal lengths T, best trial first so that ties
 * in sample go to it): the T returns are cut into S equal blocks (the first T mod S left out); for each of the
 * C(S, S/2) ways to pick half the blocks as in-sample, the trial with the best in-sample Sharpe ratio is found
 * and its out-of-sample Sharpe ratio ranked among all K (average ranks for ties, ω = rank / (K + 1)).
 * PBO is the share of λ = logit(ω) ≤ 0.
 *
 * Each trial is summarised per block by the sum and the sum of squares of its returns, so a split costs
 * K·S/2 additions instead of a pass over the returns. A series that does not vary in a half has Sharpe ratio 0.
 *
 * @throws RangeError when {@link pboProblem} names a problem.
 */
export function probabilityOfBacktestOverfitting(returns: readonly ArrayLike<number>[], blocks: number): PboResult {
  const K = returns.length;
  const T = K ? returns[0].length : 0;
  const problem = pboProblem(K, T, blocks);
  if (problem) throw new RangeError(problem);
  if (returns.some((r) => r.length !== T)) throw new RangeError('PBO needs return series of equal length');
  const S = blocks, L = Math.floor(T / S), dropped = T - L * S;

  // sums[k * S + b], squares[k * S + b]: trial k's block b.
  const sums = new Float64Array(K * S), squares = new Float64Array(K * S);
  const totalSum = new Float64Array(K), totalSquares = new Float64Array(K);
  for (let k = 0; k < K; k++) {
    const r = returns[k];
    for (let b = 0; b < S; b++) {
      let s = 0, q = 0;
      for (let i = dropped + b * L, end = i + L; i < end; i++) {
        s += r[i];
        q += r[i] * r[i];
      }
      sums[k * S + b] = s;
      squares[k * S + b] = q;
      totalSum[k] += s;
      totalSquares[k] += q;
    }
  }

  const n = (S / 2) * L;
  const sharpe = (sum: number, sq: number) => {
    const mean = sum / n;
    const variance = (sq - sum * mean) / (n - 1);
    return variance > 0 ? mean / Math.sqrt(variance) : 0;
  };
  const logits: number[] = [];
  const oos = new Float64Array(K);
  let atOrBelowMedian = 0;
  for (const chosen of halves(S)) {
    let best = -1, bestSharpe = -Infinity;
    for (let k = 0; k < K; k++) {
      let s = 0, q = 0;
      for (const b of chosen) {
        s += sums[k * S + b];
        q += squares[k * S + b];
      }
      const inSample = sharpe(s, q);
      if (inSample > bestSharpe || best < 0) {
        best = k;
        bestSharpe = inSample;
      }
      oos[k] = sharpe(totalSum[k] - s, totalSquares[k] - q);
    }
    let below = 0, equal = 0;
    for (let k = 0; k < K; k++) {
      if (oos[k] < oos[best]) below++;
      else if (oos[k] === oos[best]) equal++;
    }
    const omega = (below + (equal + 1) / 2) / (K + 1);
    const logit = Math.log(omega / (1 - omega));
    if (logit <= 0) atOrBelowMedian++;
    logits.push(logit);
  }
  return { pbo: atOrBelowMedian / logits.length, logits: Float64Array.from(logits), combinations: logits.length, blocks: S, blockLength: L, dropped, trials: K };
}

/** Every set of S/2 of the block indexes 0..S−1, in lexicographic order. */
function* halves(S: number): Generator<readonly number[]> {
  const m = S / 2;
  const pick = Array.from({ length: m }, (_, i) => i);
  for (;;) {
    yield pick;
    let i = m - 1;
    while (i >= 0 && pick[i] === S - m + i) i--;
    if (i < 0) return;
    pick[i]++;
    for (let j = i + 1; j < m; j++) pick[j] = pick[j - 1] + 1;
  }
}
