import { matern52, matern52Slope, MIN_NOISE, squaredDifference, type KernelParams } from './gaussianProcess';
import { minimizeLbfgs } from './lbfgs';
import { choleskyInPlace, solveLower, solveLowerTransposed } from './linalg';

/** What the fit needs of the data: per pair of points (a > b, in row order) the squared difference per coordinate. */
export interface FitData {
  size: number;
  dims: number;
  values: Float64Array;
  pairDifferences: Float64Array;
}

export function fitData(points: readonly (readonly number[])[], values: readonly number[], categorical: readonly boolean[]): FitData {
  const n = points.length;
  const d = categorical.length;
  const pairDifferences = new Float64Array(((n * (n - 1)) / 2) * d);
  let at = 0;
  for (let a = 0; a < n; a++) {
    for (let b = 0; b < a; b++) {
      for (let j = 0; j < d; j++) pairDifferences[at++] = squaredDifference(points[a]![j] as number, points[b]![j] as number, categorical[j] as boolean);
    }
  }
  return { size: n, dims: d, values: Float64Array.from(values), pairDifferences };
}

/**
 * Minus the log posterior density of the kernel parameters, up to a constant, and its gradient: the log marginal
 * likelihood −½ yᵀK⁻¹y − ½ log|K| plus Optuna's default log prior, −(0.1 l² + 0.1 / l²) per inverse squared length
 * scale 1/l², Gamma(2, 1) on the signal variance and Gamma(1.1, 30) on the noise variance. The prior keeps length
 * scales near the unit cube's size unless the data insist, and the noise small. +Infinity where K is not positive
 * definite.
 *
 * Gradient (Rasmussen and Williams, eq. 5.9): d/dθ log p(y) = ½ tr((ααᵀ − K⁻¹) dK/dθ) with α = K⁻¹y.
 */
export function negativeLogPosterior(data: FitData, params: readonly number[]): { value: number; gradient: number[] } {
  const { size: n, dims: d, values, pairDifferences } = data;
  const isl = params.slice(0, d).map(Math.exp);
  const signal = Math.exp(params[d] as number);
  const noiseExcess = Math.exp(params[d + 1] as number);
  const noise = noiseExcess + MIN_NOISE;
  const pairs = (n * (n - 1)) / 2;
  const covariance = new Float64Array(pairs);
  const slope = new Float64Array(pairs);
  const chol = new Float64Array(n * n);
  let p = 0;
  for (let a = 0; a < n; a++) {
    for (let b = 0; b < a; b++, p++) {
      let r2 = 0;
      for (let j = 0; j < d; j++) r2 += (isl[j] as number) * (pairDifferences[p * d + j] as number);
      covariance[p] = signal * matern52(r2);
      slope[p] = signal * matern52Slope(r2);
      chol[a * n + b] = covariance[p] as number;
    }
    chol[a * n + a] = signal + noise;
  }
  if (!choleskyInPlace(chol, n)) return { value: Infinity, gradient: new Array<number>(d + 2).fill(0) };
  const alpha = Float64Array.from(values);
  solveLower(chol, n, alpha);
  let quadratic = 0;
  for (let i = 0; i < n; i++) quadratic += (alpha[i] as number) ** 2;
  solveLowerTransposed(chol, n, alpha);
  let halfLogDet = 0;
  for (let i = 0; i < n; i++) halfLogDet += Math.log(chol[i * n + i] as number);
  const inverse = inverseFromCholesky(chol, n);

  const logPrior =
    params.slice(0, d).reduce((s, t) => s + lengthScalePrior(t)[0], 0) + (Math.log(signal) - signal) + (0.1 * Math.log(noise) - 30 * noise);
  const value = -(-0.5 * quadratic - halfLogDet + logPrior);

  const gradIsl = new Array<number>(d).fill(0);
  let gradSignal = 0;
  let gradNoise = 0;
  p = 0;
  for (let a = 0; a < n; a++) {
    const aa = alpha[a] as number;
    for (let b = 0; b < a; b++, p++) {
      // Off-diagonal pairs appear twice in the trace: the ½ cancels.
      const w = aa * (alpha[b] as number) - (inverse[a * n + b] as number);
      gradSignal += w * (covariance[p] as number);
      const ws = w * (slope[p] as number);
      for (let j = 0; j < d; j++) gradIsl[j] = (gradIsl[j] as number) + ws * (pairDifferences[p * d + j] as number);
    }
    const wDiagonal = 0.5 * (aa * aa - (inverse[a * n + a] as number));
    gradSignal += wDiagonal * signal;
    gradNoise += wDiagonal * noiseExcess;
  }
  const gradient = [
    ...gradIsl.map((g, j) => -(g * (isl[j] as number) + lengthScalePrior(params[j] as number)[1])),
    -(gradSignal + 1 - signal),
    -(gradNoise + (0.1 / noise - 30) * noiseExcess),
  ];
  return { value, gradient };
}

/** Optuna's log prior on one log inverse squared length scale t = log(1/l²), −(0.1 e^(−t) + 0.1 e^t), and its slope. */
function lengthScalePrior(t: number): [number, number] {
  return [-(0.1 * Math.exp(-t) + 0.1 * Math.exp(t)), 0.1 * Math.exp(-t) - 0.1 * Math.exp(t)];
}

/** K⁻¹ = L⁻ᵀ L⁻¹ from the Cholesky factor L (lower triangle of the result filled, row-major). */
function inverseFromCholesky(chol: Float64Array, n: number): Float64Array {
  const lInv = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const lii = chol[i * n + i] as number;
    lInv[i * n + i] = 1 / lii;
    for (let c = 0; c < i; c++) {
      let s = 0;
      for (let k = c; k < i; k++) s += (chol[i * n + k] as number) * (lInv[k * n + c] as number);
      lInv[i * n + c] = -s / lii;
    }
  }
  const inverse = new Float64Array(n * n);
  for (let k = 0; k < n; k++) {
    for (let a = 0; a <= k; a++) {
      const v = lInv[k * n + a] as number;
      if (v === 0) continue;
      for (let b = 0; b <= a; b++) inverse[a * n + b] = (inverse[a * n + b] as number) + v * (lInv[k * n + b] as number);
    }
  }
  return inverse;
}

/**
 * Maximum a posteriori kernel parameters by L-BFGS from each start in turn, keeping the best end point (the first
 * on ties). Starting from the previous fit, a suggestion after one more result needs only a few iterations.
 */
export function fitKernel(data: FitData, starts: readonly KernelParams[], maxIterations: number): KernelParams {
  let best: { x: number[]; value: number } | null = null;
  for (const start of starts) {
    const result = minimizeLbfgs((x) => negativeLogPosterior(data, x), start, { maxIterations, gradientTolerance: 1e-2 });
    if (Number.isFinite(result.value) && (!best || result.value < best.value)) best = result;
  }
  return best ? best.x : [...(starts[starts.length - 1] as KernelParams)];
}
