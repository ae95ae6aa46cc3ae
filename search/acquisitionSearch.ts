import type { LogEiAcquisition } from './acquisition';
import type { Candidate } from './algorithm';
import { minimizeLbfgs } from './lbfgs';
import type { Prng } from './prng';
import { primes, scrambledHalton } from './qmc';
import type { Dim, Space } from './space';

export interface SearchSettings {
  /** Quasi-random points the acquisition is evaluated at first (Optuna: 2048). */
  candidates: number;
  /** Local searches, from the best of those, the warm starts and a roulette draw among the rest (Optuna: 10). */
  localSearches: number;
}

/**
 * Acquisition evaluations all local searches of one proposal may spend together. It bounds the worst case (many
 * discrete parameters with many values each) to a fixed amount of work, counted, not timed, so proposals stay
 * deterministic; in 2 to 6 dims the searches converge long before.
 */
const LOCAL_SEARCH_BUDGET = 4_000;
/** Rounds of (gradient ascent, then each discrete coordinate in turn) per local search. */
const MAX_ROUNDS = 10;
const MAX_GRADIENT_STEPS = 100;
/** Optuna's pgtol, √tol with tol = 1e-4, on the gradient in scaled coordinates. */
const GRADIENT_TOLERANCE = 1e-2;
/** An increase of log EI below this ends a search: no proposal changes by it. */
const TOLERANCE = 1e-5;
/** Discrete coordinates with at most this many values are searched exhaustively, as in Optuna. */
const EXHAUSTIVE = 16;

/** Unit coordinate of the centre of cell k, where the space puts a discrete value. */
function centre(dim: Dim, k: number): number {
  return dim.unit(dim.value((dim.edge(k) + dim.edge(k + 1)) / 2));
}

/**
 * Maximises log EI as Optuna's optimize_acqf_mixed does, in plain loops: evaluate it at `candidates` scrambled
 * Halton points (fresh scramble keys from rng), then run local searches from the best of them, from `warmStarts`
 * (the best observed points) and from a roulette draw (weights e^(value − best)) among the others. A local search
 * alternates bounded L-BFGS over the continuous coordinates and a search along each discrete coordinate, until a
 * round gains less than 1e-5 in log EI.
 *
 * Returns candidates best first: the local searches' end points, then every quasi-random point, each group by
 * decreasing log EI, infeasible points left out, so the sampler has the next best when one is a duplicate.
 */
export function maximizeAcquisition(acq: LogEiAcquisition, space: Space, rng: Prng, warmStarts: readonly (readonly number[])[], settings: SearchSettings): Candidate[] {
  const bases = primes(space.dims.length);
  const keys = space.dims.map(() => rng.nextU32());
  const sampled: { x: number[]; value: number }[] = [];
  // In a finite space many quasi-random points snap onto the same cell: each is scored once.
  const seen = space.size === null ? null : new Set<string>();
  for (let i = 0; i < settings.candidates; i++) {
    const x = space.snap(scrambledHalton(i, bases, keys));
    if (seen) {
      const key = x.join();
      if (seen.has(key)) continue;
      seen.add(key);
    }
    sampled.push({ x, value: acq.value(x) });
  }
  const byValue = (a: { value: number }, b: { value: number }): number => b.value - a.value;
  const ranked = sampled.filter((s) => s.value > -Infinity).sort(byValue);
  const starts = [...ranked.slice(0, 1), ...warmStarts.map((x) => ({ x: [...x], value: acq.value(x) })).filter((s) => s.value > -Infinity)];
  starts.push(...roulette(ranked.slice(1), settings.localSearches - starts.length, rng));
  const budget = acq.evaluations + LOCAL_SEARCH_BUDGET;
  const found = starts.map((s) => localSearch(acq, space, s.x, s.value, budget)).sort(byValue);
  return [...found, ...ranked].map((s) => ({ x: s.x }));
}

/** `count` of `pool` drawn without replacement with weights e^(value − best value). */
function roulette<T extends { value: number }>(pool: T[], count: number, rng: Prng): T[] {
  if (pool.length === 0 || count <= 0) return [];
  const top = (pool[0] as T).value;
  const weights = pool.map((s) => Math.exp(s.value - top));
  const chosen: T[] = [];
  let total = weights.reduce((a, b) => a + b, 0);
  while (chosen.length < count && total > 0) {
    let u = rng.float() * total;
    let pick = -1;
    for (let i = 0; i < weights.length; i++) {
      const w = weights[i] as number;
      if (w === 0) continue;
      pick = i;
      if (u < w) break;
      u -= w;
    }
    if (pick < 0) break;
    chosen.push(pool[pick] as T);
    total -= weights[pick] as number;
    weights[pick] = 0;
  }
  return chosen;
}

function localSearch(acq: LogEiAcquisition, space: Space, x0: number[], f0: number, budget: number): { x: number[]; value: number } {
  let point = { x: x0, value: f0 };
  const discrete = space.dims.flatMap((d, j) => (d.kind === 'continuous' ? [] : [j]));
  for (let round = 0; round < MAX_ROUNDS && acq.evaluations < budget; round++) {
    const before = point.value;
    if (acq.continuous.length > 0) point = gradientAscent(acq, point, budget);
    for (const j of discrete) point = discreteSearch(acq, space.dims[j] as Dim, j, point, budget);
    if (discrete.length === 0 || !(point.value > before + TOLERANCE)) break;
  }
  return point;
}

/**
 * Bounded L-BFGS over the continuous coordinates in scaled coordinates z = x / l (Optuna's preconditioning: the
 * kernel sees x / l, so in z every coordinate has about the same curvature), the box [0, 1/l].
 */
function gradientAscent(acq: LogEiAcquisition, start: { x: number[]; value: number }, budget: number): { x: number[]; value: number } {
  const continuous = acq.continuous;
  const lengths = continuous.map((j) => 1 / Math.sqrt(acq.gp.inverseSquaredLengthScales[j] as number));
  const gradient = new Float64Array(start.x.length);
  const toX = (z: readonly number[]): number[] => {
    const x = [...start.x];
    continuous.forEach((j, i) => (x[j] = Math.min(1, Math.max(0, (z[i] as number) * (lengths[i] as number)))));
    return x;
  };
  const negative = (z: readonly number[]): { value: number; gradient: number[] } => {
    const value = acq.evaluations < budget ? -acq.valueWithGradient(toX(z), gradient) : NaN;
    return { value, gradient: continuous.map((j, i) => -(gradient[j] as number) * (lengths[i] as number)) };
  };
  const result = minimizeLbfgs(
    negative,
    continuous.map((j, i) => (start.x[j] as number) / (lengths[i] as number)),
    { maxIterations: MAX_GRADIENT_STEPS, gradientTolerance: GRADIENT_TOLERANCE, lower: lengths.map(() => 0), upper: lengths.map((l) => 1 / l) },
  );
  return -result.value > start.value ? { x: toX(result.x), value: -result.value } : start;
}

/**
 * The best value of coordinate j with the others fixed: every value of a categorical or small ordinal coordinate;
 * for a larger one, 16 evenly spread values and the current one's neighbours, then the same again around the best
 * of them in a window about 1/7 as wide, until the window has at most 16 values.
 */
function discreteSearch(acq: LogEiAcquisition, dim: Dim, j: number, start: { x: number[]; value: number }, budget: number): { x: number[]; value: number } {
  let best = start;
  const current = dim.cellOf(start.x[j] as number);
  const tryCell = (k: number): void => {
    if (k < 0 || k >= dim.size || acq.evaluations >= budget) return;
    const x = [...start.x];
    x[j] = centre(dim, k);
    if (x[j] === best.x[j]) return;
    const value = acq.value(x);
    if (value > best.value) best = { x, value };
  };
  if (dim.kind === 'categorical' || dim.size <= EXHAUSTIVE) {
    for (let k = 0; k < dim.size; k++) if (k !== current) tryCell(k);
    return best;
  }
  tryCell(current - 1);
  tryCell(current + 1);
  let low = 0;
  let high = dim.size - 1;
  for (;;) {
    const span = high - low;
    for (let i = 0; i < EXHAUSTIVE; i++) tryCell(low + Math.round((i * span) / (EXHAUSTIVE - 1)));
    if (span < EXHAUSTIVE) return best;
    const centreCell = dim.cellOf(best.x[j] as number);
    const half = Math.ceil(span / (EXHAUSTIVE - 1));
    low = Math.max(0, centreCell - half);
    high = Math.min(dim.size - 1, centreCell + half);
  }
}
