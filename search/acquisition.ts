import type { GaussianProcess } from './gaussianProcess';
import { logEi } from './logEi';

/** Added to the posterior variance so that log σ stays finite at an observed point (Optuna's stabilizing noise). */
const STABILIZING_NOISE = 1e-12;

/**
 * Log expected improvement of a GP over a loss to minimise: log E[max(0, incumbent − f(x))] under the posterior,
 * −Infinity where `feasible` says no (a point the sampler would refuse anyway, so no search should end there).
 * Coordinates are unit ones; gradients exist for the continuous coordinates only.
 */
export class LogEiAcquisition {
  /** Evaluations so far, for the local search's budget. */
  evaluations = 0;
  private readonly dMean: Float64Array;
  private readonly dVariance: Float64Array;

  constructor(
    readonly gp: GaussianProcess,
    private readonly incumbent: number,
    readonly continuous: readonly number[],
    private readonly feasible: (x: readonly number[]) => boolean,
  ) {
    this.dMean = new Float64Array(gp.dims);
    this.dVariance = new Float64Array(gp.dims);
  }

  value(x: readonly number[]): number {
    this.evaluations++;
    if (!this.feasible(x)) return -Infinity;
    const { mean, variance } = this.gp.predict(x);
    const sigma = Math.sqrt(variance + STABILIZING_NOISE);
    return Math.log(sigma) + logEi((this.incumbent - mean) / sigma).value;
  }

  /** {@link value}, and its gradient in the continuous coordinates written into `gradient`. */
  valueWithGradient(x: readonly number[], gradient: Float64Array): number {
    this.evaluations++;
    if (!this.feasible(x)) return -Infinity;
    const { mean, variance } = this.gp.predictWithGradient(x, this.continuous, this.dMean, this.dVariance);
    const sigma = Math.sqrt(variance + STABILIZING_NOISE);
    const z = (this.incumbent - mean) / sigma;
    const { value, slope } = logEi(z);
    for (const j of this.continuous) {
      const dSigma = (this.dVariance[j] as number) / (2 * sigma);
      const dz = -((this.dMean[j] as number) + z * dSigma) / sigma;
      gradient[j] = dSigma / sigma + slope * dz;
    }
    return Math.log(sigma) + value;
  }
}
