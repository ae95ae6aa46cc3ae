import { choleskyInPlace, solveLower, solveLowerTransposed } from './linalg';

/**
 * The noise variance never goes below this (Optuna's DEFAULT_MINIMUM_NOISE_VAR): it keeps the kernel matrix
 * well conditioned even when two observations coincide.
 */
export const MIN_NOISE = 1e-6;

/**
 * Kernel hyperparameters as the fit moves them, all in log space so that any real vector is valid:
 * `[log(1/l_1²) … log(1/l_d²), log(signal variance), log(noise variance − MIN_NOISE)]`.
 * The zero vector (every length scale 1, unit signal variance, noise near 1) is Optuna's starting point.
 */
export type KernelParams = number[];

export const defaultKernelParams = (dims: number): KernelParams => new Array<number>(dims + 2).fill(0);

/** Matern 5/2 correlation at squared scaled distance r²: (1 + √5 r + 5/3 r²) e^(−√5 r). */
export function matern52(r2: number): number {
  const r = Math.sqrt(5 * r2);
  return (1 + r + (5 / 3) * r2) * Math.exp(-r);
}

/** d matern52 / d(r²) = −5/6 (1 + √5 r) e^(−√5 r); finite at 0, unlike the derivative in r. */
export function matern52Slope(r2: number): number {
  const r = Math.sqrt(5 * r2);
  return (-5 / 6) * (1 + r) * Math.exp(-r);
}

/**
 * Squared difference of two points in one coordinate: a categorical coordinate counts 1 when the choices differ,
 * 0 when they are equal (Hamming distance, as Optuna does), every other coordinate its squared difference in
 * unit space.
 */
export const squaredDifference = (a: number, b: number, categorical: boolean): number => (categorical ? (a === b ? 0 : 1) : (a - b) * (a - b));

/**
 * A Gaussian process posterior: zero prior mean, Matern 5/2 kernel with one length scale per coordinate (ARD),
 * conditioned on points (unit coordinates, discrete ones on their cell's centre) and values (standardised).
 * Everything is recomputed from its inputs, so it carries no state of its own.
 */
export class GaussianProcess {
  readonly size: number;
  readonly dims: number;
  /** 1/l² per coordinate. */
  readonly inverseSquaredLengthScales: Float64Array;
  readonly signalVariance: number;
  readonly noiseVariance: number;
  private readonly points: Float64Array;
  private readonly chol: Float64Array;
  /** K⁻¹ y. */
  private readonly alpha: Float64Array;
  private readonly k: Float64Array;
  private readonly slopes: Float64Array;
  private readonly work: Float64Array;

  /**
   * Where rounding leaves K + noise I short of positive definite (points that nearly coincide), the noise is raised
   * tenfold until it is not.
   * @throws RangeError for parameters that leave it indefinite with any noise (non-finite ones).
   */
  constructor(
    points: readonly (readonly number[])[],
    values: readonly number[],
    params: readonly number[],
    private readonly categorical: readonly boolean[],
  ) {
    const n = points.length;
    const d = categorical.length;
    this.size = n;
    this.dims = d;
    this.inverseSquaredLengthScales = Float64Array.from(params.slice(0, d), Math.exp);
    this.signalVariance = Math.exp(params[d] as number);
    this.points = new Float64Array(n * d);
    points.forEach((p, i) => this.points.set(p, i * d));
    this.k = new Float64Array(n);
    this.slopes = new Float64Array(n);
    this.work = new Float64Array(n);
    let noise = Math.exp(params[d + 1] as number) + MIN_NOISE;
    for (let attempt = 0; ; attempt++) {
      const chol = this.kernelMatrix(noise);
      if (choleskyInPlace(chol, n)) {
        this.chol = chol;
        break;
      }
      if (attempt === 12) throw new RangeError('the kernel matrix is not positive definite');
      noise *= 10;
    }
    this.noiseVariance = noise;
    this.alpha = Float64Array.from(values);
    solveLower(this.chol, n, this.alpha);
    solveLowerTransposed(this.chol, n, this.alpha);
  }

  /** Posterior mean and variance of f(x) (the variance clamped at 0 against rounding). */
  predict(x: readonly number[]): { mean: number; variance: number } {
    this.covariances(x);
    let mean = 0;
    for (let i = 0; i < this.size; i++) mean += (this.k[i] as number) * (this.alpha[i] as number);
    this.work.set(this.k);
    solveLower(this.chol, this.size, this.work);
    let explained = 0;
    for (let i = 0; i < this.size; i++) explained += (this.work[i] as number) ** 2;
    return { mean, variance: Math.max(0, this.signalVariance - explained) };
  }

  /**
   * {@link predict} plus the gradients of mean and variance in x, written into `dMean` and `dVariance` for the
   * coordinates `continuous` lists (the others are left alone: the kernel is not differentiable in a categorical).
   */
  predictWithGradient(x: readonly number[], continuous: readonly number[], dMean: Float64Array, dVariance: Float64Array): { mean: number; variance: number } {
    const result = this.predict(x);
    // work = L⁻¹k; one more solve makes it K⁻¹k, the weight of each point in d(variance) = −2 (K⁻¹k)ᵀ dk.
    solveLowerTransposed(this.chol, this.size, this.work);
    const d = this.dims;
    for (const j of continuous) {
      const xj = x[j] as number;
      let gm = 0;
      let gv = 0;
      for (let i = 0; i < this.size; i++) {
        const dk = (this.slopes[i] as number) * 2 * (xj - (this.points[i * d + j] as number));
        gm += (this.alpha[i] as number) * dk;
        gv += (this.work[i] as number) * dk;
      }
      const scale = this.inverseSquaredLengthScales[j] as number;
      dMean[j] = gm * scale;
      dVariance[j] = -2 * gv * scale;
    }
    return result;
  }

  /** k(x, X) into this.k, and σ² · matern52'(r²) per point into this.slopes. */
  private covariances(x: readonly number[]): void {
    const d = this.dims;
    for (let i = 0; i < this.size; i++) {
      let r2 = 0;
      for (let j = 0; j < d; j++) {
        r2 += (this.inverseSquaredLengthScales[j] as number) * squaredDifference(x[j] as number, this.points[i * d + j] as number, this.categorical[j] as boolean);
      }
      this.k[i] = this.signalVariance * matern52(r2);
      this.slopes[i] = this.signalVariance * matern52Slope(r2);
    }
  }

  /** K + noise I, lower triangle, row-major. */
  private kernelMatrix(noise: number): Float64Array {
    const n = this.size;
    const d = this.dims;
    const m = new Float64Array(n * n);
    for (let a = 0; a < n; a++) {
      for (let b = 0; b < a; b++) {
        let r2 = 0;
        for (let j = 0; j < d; j++) {
          const diff = squaredDifference(this.points[a * d + j] as number, this.points[b * d + j] as number, this.categorical[j] as boolean);
          r2 += (this.inverseSquaredLengthScales[j] as number) * diff;
        }
        m[a * n + b] = this.signalVariance * matern52(r2);
      }
      m[a * n + a] = this.signalVariance + noise;
    }
    return m;
  }
}
