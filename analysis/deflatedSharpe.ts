import { normalCdf, normalQuantile } from './normal';

/** The Euler–Mascheroni constant γ. */
const EULER_GAMMA = 0.5772156649015329;

/** What the probabilistic Sharpe ratio reads from one return series. */
export interface ReturnMoments {
  /** Returns in the series. */
  count: number;
  mean: number;
  /** Sample standard deviation (divisor n − 1). */
  std: number;
  /** mean / std per period, not annualised; NaN when the series does not vary. */
  sharpe: number;
  /** Skewness γ3 = m3 / m2^1.5 with population moments (scipy.stats.skew's default). */
  skewness: number;
  /** Kurtosis γ4 = m4 / m2², not excess: 3 for a normal distribution (scipy.stats.kurtosis(fisher=False)). */
  kurtosis: number;
}

/** Mean, dispersion, Sharpe ratio, skewness and kurtosis of a series of per-period returns. */
export function returnMoments(returns: ArrayLike<number>): ReturnMoments {
  const n = returns.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += returns[i];
  const mean = sum / n;
  let m2 = 0, m3 = 0, m4 = 0;
  for (let i = 0; i < n; i++) {
    const d = returns[i] - mean;
    const d2 = d * d;
    m2 += d2;
    m3 += d2 * d;
    m4 += d2 * d2;
  }
  const std = n > 1 ? Math.sqrt(m2 / (n - 1)) : NaN;
  m2 /= n;
  m3 /= n;
  m4 /= n;
  return {
    count: n,
    mean,
    std,
    sharpe: std > 0 ? mean / std : NaN,
    skewness: m2 > 0 ? m3 / m2 ** 1.5 : NaN,
    kurtosis: m2 > 0 ? m4 / (m2 * m2) : NaN,
  };
}

/**
 * The probabilistic Sharpe ratio (Bailey & López de Prado 2012, "The Sharpe Ratio Efficient Frontier"): the
 * probability that the true per-period Sharpe ratio exceeds `benchmark`, given the estimate from `m.count`
 * returns with their skewness and kurtosis:
 * PSR = Φ((SR − SR*)·√(T − 1) / √(1 − γ3·SR + (γ4 − 1)/4·SR²)).
 * NaN when the estimate is undefined or the variance term is not positive (a degenerate distribution).
 */
export function probabilisticSharpe(m: ReturnMoments, benchmark: number): number {
  const sr = m.sharpe;
  const spread = 1 - m.skewness * sr + ((m.kurtosis - 1) / 4) * sr * sr;
  if (!Number.isFinite(sr) || !(spread > 0) || m.count < 2) return NaN;
  return normalCdf(((sr - benchmark) * Math.sqrt(m.count - 1)) / Math.sqrt(spread));
}

/**
 * The expected maximum of `trials` per-period Sharpe estimates whose true value is 0, when the estimates vary
 * with `variance` across the trials (Bailey & López de Prado 2014, "The Deflated Sharpe Ratio"):
 * SR* = √V · ((1 − γ)·Φ⁻¹(1 − 1/N) + γ·Φ⁻¹(1 − 1/(N·e))). One trial (or fewer) has nothing to deflate: 0.
 */
export function expectedMaxSharpe(variance: number, trials: number): number {
  if (!(trials > 1)) return 0;
  return Math.sqrt(variance) * ((1 - EULER_GAMMA) * normalQuantile(1 - 1 / trials) + EULER_GAMMA * normalQuantile(1 - 1 / (trials * Math.E)));
}

/**
 * The effective number of independent trials among `trials` whose returns correlate `meanCorrelation` on
 * average: ρ̄ + (1 − ρ̄)·N, which is N for uncorrelated trials and 1 for identical ones. A negative mean
 * correlation counts as 0: trials that hedge each other are no fewer than independent ones.
 */
export function effectiveTrials(trials: number, meanCorrelation: number): number {
  const rho = Math.min(1, Math.max(0, meanCorrelation));
  return rho + (1 - rho) * trials;
}

/**
 * The mean Pearson correlation over every pair of `series` (equal lengths) that both vary, and how many
 * pairs that was; NaN with no such pair. Series that never vary (a strategy that never traded) have no
 * correlation with anything and are left out.
 */
export function meanPairwiseCorrelation(series: readonly ArrayLike<number>[]): { mean: number; pairs: number } {
  const standardised: Float64Array[] = [];
  for (const s of series) {
    const m = returnMoments(s);
    if (!(m.std > 0)) continue;
    const z = new Float64Array(s.length);
    for (let i = 0; i < s.length; i++) z[i] = (s[i] - m.mean) / m.std;
    standardised.push(z);
  }
  let sum = 0, pairs = 0;
  for (let a = 0; a < standardised.length; a++) {
    for (let b = a + 1; b < standardised.length; b++) {
      const x = standardised[a], y = standardised[b];
      let dot = 0;
      for (let i = 0; i < x.length; i++) dot += x[i] * y[i];
      sum += dot / (x.length - 1);
      pairs++;
    }
  }
  return { mean: pairs ? sum / pairs : NaN, pairs };
}

/**
 * A trial's per-period Sharpe ratio from its stored annualised statistics, for the variance of the Sharpe
 * estimates over every trial of a session without running them again. The engine (backtest/stats.ts) reports
 * return_ann_pct = (1 + g)^D − 1 and volatility_ann_pct = √((v + (1 + g)²)^D − (1 + g)^(2D)), with g the
 * geometric mean and v the sample variance of the period returns and D periods a year; both invert exactly.
 * The arithmetic mean is then (1 + g)·e^(v/2) − 1, exact for log-normal returns and within a fraction of a
 * percent of the mean of the returns themselves for daily strategy returns. NaN when either is missing.
 */
export function perPeriodSharpe(returnAnnPct: number | null | undefined, volatilityAnnPct: number | null | undefined, periodsPerYear: number): number {
  if (typeof returnAnnPct !== 'number' || typeof volatilityAnnPct !== 'number' || !(volatilityAnnPct > 0) || !(returnAnnPct > -100)) return NaN;
  const D = periodsPerYear;
  const logGrowth = Math.log1p(returnAnnPct / 100) / D;
  const vol = volatilityAnnPct / 100;
  // v = (1 + g)² · (e^(ln(1 + vol² / (1 + g)^(2D)) / D) − 1), in logs so that nothing cancels.
  const variance = Math.exp(2 * logGrowth) * Math.expm1(Math.log1p(vol * vol * Math.exp(-2 * D * logGrowth)) / D);
  const mean = Math.expm1(logGrowth + variance / 2);
  return variance > 0 ? mean / Math.sqrt(variance) : NaN;
}
