import { LogEiAcquisition } from './acquisition';
import { maximizeAcquisition } from './acquisitionSearch';
import type { Algorithm } from './algorithm';
import { bySeq, remember, type Observation, type ObservationMemory } from './memory';
import { defaultKernelParams, GaussianProcess, type KernelParams } from './gaussianProcess';
import { fitData, fitKernel } from './kernelFit';
import { INFEASIBLE_LOSS } from './sampler';

/**
 * What the GP remembers: the best ⌈maxPoints / 2⌉ observations ever, plus the most recent others up to `maxPoints`
 * in all, and the kernel parameters of its last fit. Everything else (the standardised values, the kernel matrix,
 * its Cholesky factor) is recomputed from these at each proposal, so a state restored from JSON proposes exactly
 * what the original would have.
 */
interface GpState extends ObservationMemory {
  /** The last fit, the warm start of the next one; null before the first. */
  kernel: KernelParams | null;
  /** `count` at the last fit: proposals from the same observations (eager mode) reuse it. */
  fittedAt: number;
}

/**
 * The kernel parameters are fitted on at most this many observations (the best half of them and an even spread of
 * the rest by age): a fit costs O(n³) per likelihood evaluation and tens of evaluations, while the posterior
 * itself is conditioned on every remembered observation at O(n³) once.
 */
export const FIT_POINTS = 100;
const FIT_ITERATIONS = 50;

/**
 * Losses scaled to mean 0 and standard deviation 1 (Optuna's standardisation); an infeasible result (a broken
 * result constraint, fed as INFEASIBLE_LOSS) counts as the worst feasible loss among them, so the GP learns its
 * region is bad without one huge value flattening every other difference; all infeasible: all zero.
 */
export function standardise(losses: readonly number[]): number[] {
  const feasible = losses.filter((v) => v < INFEASIBLE_LOSS);
  if (feasible.length === 0) return losses.map(() => 0);
  const worst = Math.max(...feasible);
  // Dividing by the largest magnitude first keeps the sums finite even for losses near Number.MAX_VALUE.
  const scale = Math.max(...feasible.map(Math.abs)) || 1;
  const scaled = losses.map((v) => (v < INFEASIBLE_LOSS ? v : worst) / scale);
  const mean = scaled.reduce((a, b) => a + b, 0) / scaled.length;
  const std = Math.sqrt(scaled.reduce((a, v) => a + (v - mean) ** 2, 0) / scaled.length);
  return scaled.map((v) => (v - mean) / Math.max(std, 1e-10));
}

/** Indexes of the observations the kernel is fitted on: all, or the best half and an even spread of the others. */
function fitSubset(values: readonly number[]): number[] {
  const n = values.length;
  if (n <= FIT_POINTS) return values.map((_, i) => i);
  const order = values.map((_, i) => i).sort((a, b) => (values[a] as number) - (values[b] as number) || a - b);
  const best = order.slice(0, FIT_POINTS / 2);
  const rest = order.slice(FIT_POINTS / 2).sort((a, b) => a - b);
  const spread = Array.from({ length: FIT_POINTS / 2 }, (_, i) => rest[Math.floor((i * rest.length) / (FIT_POINTS / 2))] as number);
  return [...best, ...spread].sort((a, b) => a - b);
}

/**
 * Gaussian-process Bayesian optimisation, after Optuna's GPSampler: `nStartupTrials` random trials, then a GP with
 * a Matern 5/2 ARD kernel over the unit cube (categoricals by Hamming distance), its parameters fitted by maximum a
 * posteriori with Optuna's prior, and the point of largest log expected improvement found by multi-start local
 * search. Trials still running join the GP as fantasies at the best value so far (a constant liar), so parallel
 * proposals spread out. It remembers at most `maxPoints` observations (the best half and the most recent), which
 * bounds both its state and the cost of a proposal at any trial count.
 */
export const gp: Algorithm<GpState> = {
  adaptive: true,
  options: {
    nStartupTrials: { type: 'number', default: 10, min: 1, integer: true },
    nCandidates: { type: 'number', default: 512, min: 1, max: 8192, integer: true },
    nLocalSearch: { type: 'number', default: 10, min: 1, max: 100, integer: true },
    maxPoints: { type: 'number', default: 300, min: 20, max: 500, integer: true },
  },
  shuffledWalk: () => true,
  init: () => ({ count: 0, best: [], recent: [], kernel: null, fittedAt: -1 }),

  propose(state, { space, rng, options, pending, feasible }) {
    if (state.count < (options.nStartupTrials as number)) return [{ x: space.uniform(rng) }];
    const observations = [...state.best, ...state.recent].sort(bySeq);
    const categorical = space.dims.map((d) => d.kind === 'categorical');
    const values = standardise(observations.map((o) => o.loss));
    if (state.fittedAt !== state.count || !state.kernel) {
      const subset = fitSubset(values);
      const data = fitData(
        subset.map((i) => (observations[i] as Observation).x),
        subset.map((i) => values[i] as number),
        categorical,
      );
      const starts = state.kernel ? [state.kernel, defaultKernelParams(space.dims.length)] : [defaultKernelParams(space.dims.length)];
      state.kernel = fitKernel(data, starts, FIT_ITERATIONS);
      state.fittedAt = state.count;
    }
    let bestAt = 0;
    for (let i = 1; i < values.length; i++) if ((values[i] as number) < (values[bestAt] as number)) bestAt = i;
    const incumbent = values[bestAt] as number;
    const fantasies = pending.slice(-Math.ceil((options.maxPoints as number) / 4)).map((x) => space.snap(x));
    const model = new GaussianProcess(
      [...observations.map((o) => o.x), ...fantasies],
      [...values, ...fantasies.map(() => incumbent)],
      state.kernel,
      categorical,
    );
    const continuous = space.dims.flatMap((d, j) => (d.kind === 'continuous' ? [j] : []));
    const acquisition = new LogEiAcquisition(model, incumbent, continuous, feasible);
    return maximizeAcquisition(acquisition, space, rng, [(observations[bestAt] as Observation).x], {
      candidates: options.nCandidates as number,
      localSearches: options.nLocalSearch as number,
    });
  },

  observe(state, x, loss, _tag, { space, options }) {
    const limit = options.maxPoints as number;
    remember(state, space.snap(x), loss, Math.ceil(limit / 2), limit);
  },

};
