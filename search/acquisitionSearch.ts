import type { LogEiAcquisition } from './acquisition';
import type { Candidate } from './algorithm';
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
const MAX_GRADIENT_STEPS = 40;
/** An increase of log EI below this ends a search: no proposal changes by it. */
const TOLERANCE = 1e-5;
/** Discrete coordinates with at most this many values are searched exhaustively, as in Optuna. */
const EXHAUSTIVE = 16;

const clamp01 = (u: number): number => (u < 0 ? 0 : u > 1 ? 1 : u);

/** Unit coordinate of the centre of cell k, where the space puts a discrete value. */
function centre(dim: Dim, k: number): number {
  return dim.unit(dim.value((dim.edge(k) + dim.edge(k + 1)) / 2));
}

/**
 * Maximises log EI as Optuna's optimize_acqf_mixed does, in plain loops: evaluate it at `candidates` scrambled
 * Halton points (fresh scramble keys from rng), then run local searches from the best of them, from `warmStarts`
 * (the best observed points) and from a roulette draw (weights e^(value − best)) among the others. A local search
 * alternates projected gradient ascent over the continuous coordinates, with steps scaled by each length scale
 * squared (the kernel sees x / l, so this equalises the curvature), and a search along each discrete coordinate.
 *
 * Returns candidates best first: the local searches' end points, then every quasi-random point, each group by
 * decreasing log EI, infeasible points left out, so the sampler has the next best when one is a duplicate.
 */
export function maximizeAcquisition(acq: LogEiAcquisition, space: Space, rng: Prng, warmStarts: readonly (readonly number[])[], settings: SearchSettings): Candidate[] {
  const bases = primes(space.dims.length);
  const keys = space.dims.map(() => rng.nextU32());
  const sampled = Array.from({ length: settings.candidates }, (_, i) => {
    const x = space.snap(scrambledHalton(i, bases, keys));
    return { x, value: acq.value(x) };
  });
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

/** Projected gradient ascent with backtracking (Armijo) over the continuous coordinates, preconditioned by l². */
function gradientAscent(acq: LogEiAcquisition, start: { x: number[]; value: number }, budget: number): { x: number[]; value: number } {
  const gradient = new Float64Array(start.x.length);
  const trialGradient = new Float64Array(start.x.length);
  const isl = acq.gp.inverseSquaredLengthScales;
  let { x, value } = start;
  value = acq.valueWithGradient(x, gradient);
  let t = 1;
  for (let step = 0; step < MAX_GRADIENT_STEPS && acq.evaluations < budget; step++) {
    let accepted: { x: number[]; value: number } | null = null;
    while (t > 1e-9 && acq.evaluations < budget) {
      const trial = [...x];
      let predicted = 0;
      for (const j of acq.continuous) {
        const g = gradient[j] as number;
        trial[j] = clamp01((x[j] as number) + (t * g) / (isl[j] as number));
        predicted += g * ((trial[j] as number) - (x[j] as number));
      }
      if (!(predicted > 0)) break;
      const trialValue = acq.valueWithGradient(trial, trialGradient);
      if (trialValue >= value + 1e-4 * predicted) {
        accepted = { x: trial, value: trialValue };
        break;
      }
      t /= 2;
    }
    if (!accepted) break;
    const gain = accepted.value - value;
    ({ x, value } = accepted);
    gradient.set(trialGradient);
    if (gain < TOLERANCE) break;
    t *= 2;
  }
  return { x, value };
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
