import { LOG_SQRT_2PI, logNormalMass, truncatedNormal } from './normal';
import type { Prng } from './prng';
import type { Dim } from './space';

/**
 * Optuna's default weights: equal for the last 25 observations, a linear ramp from 1/n up for older ones, so
 * that the old part of a long history fades out.
 */
export function rampWeights(n: number): number[] {
  if (n < 25) return new Array<number>(n).fill(1);
  const ramp = n - 25;
  return Array.from({ length: n }, (_, i) => (i >= ramp ? 1 : ramp === 1 ? 1 / n : 1 / n + ((1 - 1 / n) * i) / (ramp - 1)));
}

/** Kernels of one numeric dim: the observations plus the prior (mean 0.5, sigma 1) as the last kernel. */
interface NumericKernels {
  mu: Float64Array;
  sigma: Float64Array;
  /** log of each kernel's mass on [0, 1], the truncation constant. */
  logZ: Float64Array;
  /** log sigma + log sqrt(2 pi) + logZ: the density's normalizer. */
  logNorm: Float64Array;
}

/**
 * A Parzen estimator in unit coordinates, after Optuna's `_ParzenEstimator`: one product kernel per
 * observation plus a prior kernel; truncated normals for numeric dims (bandwidth: the larger gap to a sorted
 * neighbour, clipped to [1 / min(100, n + 1), 1]), probabilities for categorical dims.
 */
export class Parzen {
  private readonly logW: Float64Array;
  private readonly cumW: Float64Array;
  private readonly numeric: (NumericKernels | null)[];
  private readonly categorical: (Float64Array[] | null)[];

  constructor(
    private readonly dims: readonly Dim[],
    observations: readonly (readonly number[])[],
    weights: readonly number[],
    priorWeight: number,
  ) {
    const n = observations.length;
    const k = n + 1;
    const w = [...weights, priorWeight];
    const total = w.reduce((a, b) => a + b, 0);
    this.logW = Float64Array.from(w, (v) => Math.log(v / total));
    this.cumW = new Float64Array(k);
    w.reduce((acc, v, i) => (this.cumW[i] = acc + v / total), 0);
    this.numeric = dims.map((d, j) => (d.kind === 'categorical' ? null : numericKernels(observations, j)));
    this.categorical = dims.map((d, j) => {
      if (d.kind !== 'categorical') return null;
      const rows = observations.map((x) => {
        const row = new Float64Array(d.size).fill(priorWeight / k);
        row[d.cellOf(x[j] as number)] += 1;
        const sum = row.reduce((a, b) => a + b, 0);
        return row.map((v) => v / sum);
      });
      rows.push(new Float64Array(d.size).fill(1 / d.size));
      return rows;
    });
  }

  /** One point drawn from the mixture, or (with `only`) from its marginal in that dim, other coordinates 0. */
  sample(rng: Prng, only?: number): number[] {
    const r = rng.float();
    let kernel = 0;
    while (kernel < this.cumW.length - 1 && (this.cumW[kernel] as number) <= r) kernel++;
    return this.dims.map((d, j) => {
      if (only !== undefined && j !== only) return 0;
      const rows = this.categorical[j];
      if (rows) {
        const row = rows[kernel] as Float64Array;
        let u = rng.float();
        let c = 0;
        while (c < row.length - 1 && u >= (row[c] as number)) u -= row[c++] as number;
        return (c + 0.5) / d.size;
      }
      const nk = this.numeric[j] as NumericKernels;
      const u = truncatedNormal(rng, nk.mu[kernel] as number, nk.sigma[kernel] as number);
      return d.kind === 'continuous' ? u : d.unit(d.value(u));
    });
  }

  /** log density of each point under the mixture, over all dims or (with `only`) one dim's marginal. */
  logPdf(points: readonly (readonly number[])[], only?: number): Float64Array {
    const k = this.logW.length;
    const out = new Float64Array(points.length);
    // One row of per-kernel log terms, reused point after point.
    const acc = new Float64Array(k);
    const dims = this.dims.map((_, j) => j).filter((j) => only === undefined || j === only);
    const cellCaches = this.dims.map(() => new Map<number, Float64Array>());
    for (let p = 0; p < points.length; p++) {
      const x = points[p] as readonly number[];
      acc.set(this.logW);
      for (const j of dims) {
        const d = this.dims[j] as Dim;
        const rows = this.categorical[j];
        const u = x[j] as number;
        if (rows) {
          const c = d.cellOf(u);
          for (let i = 0; i < k; i++) acc[i] += Math.log((rows[i] as Float64Array)[c] as number);
        } else if (d.kind === 'continuous') {
          const { mu, sigma, logNorm } = this.numeric[j] as NumericKernels;
          for (let i = 0; i < k; i++) {
            const z = (u - (mu[i] as number)) / (sigma[i] as number);
            acc[i] += -0.5 * z * z - (logNorm[i] as number);
          }
        } else {
          const c = d.cellOf(u);
          const cache = cellCaches[j] as Map<number, Float64Array>;
          let masses = cache.get(c);
          if (!masses) cache.set(c, (masses = cellMasses(this.numeric[j] as NumericKernels, d.edge(c), d.edge(c + 1))));
          for (let i = 0; i < k; i++) acc[i] += masses[i] as number;
        }
      }
      out[p] = logSumExp(acc);
    }
    return out;
  }
}

function cellMasses({ mu, sigma, logZ }: NumericKernels, lo: number, hi: number): Float64Array {
  return mu.map((m, i) => logNormalMass((lo - m) / (sigma[i] as number), (hi - m) / (sigma[i] as number)) - (logZ[i] as number));
}

/** The kernels of dim `j` of the observations, and the prior's as the last. */
function numericKernels(observations: readonly (readonly number[])[], j: number): NumericKernels {
  const n = observations.length;
  // One buffer for the four kernel arrays and the sorted means: a proposal builds these for every dim.
  const buffer = new Float64Array(5 * (n + 1) + 1);
  const [mu, sigma, logZ, logNorm] = [0, 1, 2, 3].map((a) => buffer.subarray(a * (n + 1), (a + 1) * (n + 1))) as [Float64Array, Float64Array, Float64Array, Float64Array];
  for (let i = 0; i < n; i++) mu[i] = (observations[i] as readonly number[])[j] as number;
  mu[n] = 0.5;
  // order[r] is the observation of rank r (ties by index); sorted holds the means in that order, with the
  // endpoints 0 and 1 around them.
  const order = rankOrder(mu, n);
  const sorted = buffer.subarray(4 * (n + 1));
  for (let r = 0; r < n; r++) sorted[r + 1] = mu[order[r] as number] as number;
  sorted[n + 1] = 1;
  const minSigma = 1 / Math.min(100, n + 2);
  for (let r = 0; r < n; r++) {
    let s = Math.max((sorted[r + 1] as number) - (sorted[r] as number), (sorted[r + 2] as number) - (sorted[r + 1] as number));
    // Like Optuna without consider_endpoints: the outermost kernels measure to their inner neighbour only.
    if (n >= 2 && r === 0) s = (sorted[2] as number) - (sorted[1] as number);
    if (n >= 2 && r === n - 1) s = (sorted[n] as number) - (sorted[n - 1] as number);
    sigma[order[r] as number] = s < minSigma ? minSigma : s > 1 ? 1 : s;
  }
  sigma[n] = 1;
  // Most kernels of a long history sit at the smallest bandwidth: its log once.
  const logMinSigma = Math.log(minSigma);
  for (let i = 0; i <= n; i++) {
    const m = mu[i] as number;
    const sd = sigma[i] as number;
    // Kernels 8 sigmas inside both ends lose under 1e-15 of their mass to the truncation.
    logZ[i] = Math.min(m, 1 - m) > 8 * sd ? 0 : logNormalMass(-m / sd, (1 - m) / sd);
    logNorm[i] = logZ[i]! + (sd === minSigma ? logMinSigma : Math.log(sd)) + LOG_SQRT_2PI;
  }
  return { mu, sigma, logZ, logNorm };
}

/** Indices 0..n-1 of `values` in ascending order, equal values by index: a quicksort of the indices. */
function rankOrder(values: Float64Array, n: number): Uint32Array {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  // Every (value, index) pair is distinct, so any correct sort gives this one order.
  const before = (a: number, b: number): boolean => (values[a] as number) < (values[b] as number) || ((values[a] as number) === (values[b] as number) && a < b);
  const stack = [0, n - 1];
  while (stack.length > 0) {
    const hi = stack.pop() as number;
    const lo = stack.pop() as number;
    if (hi - lo < 16) {
      for (let i = lo + 1; i <= hi; i++) {
        const v = order[i] as number;
        let k = i - 1;
        while (k >= lo && before(v, order[k] as number)) order[k + 1] = order[k--] as number;
        order[k + 1] = v;
      }
      continue;
    }
    // Median of three as the pivot, so that already sorted stretches stay O(n log n).
    const mid = (lo + hi) >>> 1;
    const [a, b, c] = [order[lo] as number, order[mid] as number, order[hi] as number];
    const pivot = before(a, b) ? (before(b, c) ? b : before(a, c) ? c : a) : before(a, c) ? a : before(b, c) ? c : b;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (before(order[i] as number, pivot)) i++;
      while (before(pivot, order[j] as number)) j--;
      if (i <= j) {
        const t = order[i] as number;
        order[i++] = order[j] as number;
        order[j--] = t;
      }
    }
    if (lo < j) stack.push(lo, j);
    if (i < hi) stack.push(i, hi);
  }
  return order;
}

function logSumExp(a: Float64Array): number {
  let max = -Infinity;
  for (let i = 0; i < a.length; i++) if ((a[i] as number) > max) max = a[i] as number;
  if (max === -Infinity) return max;
  let sum = 0;
  // Terms 40 nats below the largest add less than 1e-17 each.
  for (let i = 0; i < a.length; i++) if ((a[i] as number) > max - 40) sum += Math.exp((a[i] as number) - max);
  return max + Math.log(sum);
}
