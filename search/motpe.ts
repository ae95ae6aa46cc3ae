import type { Algorithm } from './algorithm';
import { crowdingDistance, dominates, hypervolumeContributions, nonDominatedSort, paretoFront, referencePoint } from './pareto';
import { Parzen, rampWeights } from './parzen';
import { candidatesFrom, historyLimit, KEEP_BEST, tpe } from './tpe';

interface Observation {
  /** Order in which the model saw it. */
  seq: number;
  x: number[];
  /** One loss per objective, all minimised. */
  losses: number[];
}

/** Observations that can still join the good group that are kept at most (see MotpeState). */
export const ELITE_CAP = 200;
/** Weight of a good observation that adds no hypervolume, as in Optuna. */
const MIN_WEIGHT = 1e-12;

/**
 * What multi-objective TPE remembers. The good group holds at most KEEP_BEST (25) observations, chosen front by
 * front, so an observation that 25 others dominate can never join it again (they all stay in better fronts):
 * `elite` keeps every observation that fewer than 25 kept ones dominate, which makes the non-dominated fronts,
 * and so the good group, exact. Up to ELITE_CAP of them: beyond, the one most others dominate leaves first (the
 * oldest on a tie). `recent` keeps the latest of the others, up to `history` observations in all, as TPE does.
 */
interface MotpeState {
  count: number;
  /** Sorted by seq. */
  elite: Observation[];
  /** Sorted by seq. */
  recent: Observation[];
}

const bySeq = (a: Observation, b: Observation): number => a.seq - b.seq;

/** How many of `group` dominate each member of it. */
function dominatorCounts(group: readonly Observation[]): number[] {
  return group.map((o) => group.reduce((n, other) => n + (dominates(other.losses, o.losses) ? 1 : 0), 0));
}

/**
 * The good group: whole non-dominated fronts of the elite while they fit in `size`, then the rest of the next
 * front by crowding distance, larger first (Optuna breaks that tie by hypervolume subset selection, which costs
 * far more inside a workflow task; crowding keeps the same spread along the front).
 */
function goodGroup(elite: readonly Observation[], size: number): Set<number> {
  const chosen = new Set<number>();
  for (const front of nonDominatedSort(elite.map((o) => o.losses))) {
    if (chosen.size + front.length <= size) {
      for (const i of front) chosen.add(i);
      if (chosen.size === size) break;
      continue;
    }
    const distance = crowdingDistance(front.map((i) => (elite[i] as Observation).losses));
    const order = front.map((i, k) => ({ i, d: distance[k] as number })).sort((a, b) => b.d - a.d || a.i - b.i);
    for (const { i } of order.slice(0, size - chosen.size)) chosen.add(i);
    break;
  }
  return chosen;
}

/**
 * Kernel weights of the good group, after Optuna's multi-objective TPE: each member of the group's own Pareto
 * front weighs what it adds to the front's hypervolume, relative to the largest such share; every other member
 * (and a front whose shares all vanish) gets MIN_WEIGHT relative weight.
 */
function goodWeights(good: readonly Observation[]): number[] {
  if (good.length === 0) return [];
  const losses = good.map((o) => o.losses);
  const front = paretoFront(losses);
  const shares = hypervolumeContributions(front.map((i) => losses[i] as number[]), referencePoint(losses));
  const largest = Math.max(...shares, 0);
  const weights = new Array<number>(good.length).fill(MIN_WEIGHT);
  if (largest <= 0) return weights.fill(1);
  front.forEach((i, k) => (weights[i] = Math.max(MIN_WEIGHT, (shares[k] as number) / largest)));
  return weights;
}

/**
 * Multi-objective TPE, after Optuna's TPESampler with several objectives (Ozaki et al. 2020, 2022): the same
 * startup trials, Parzen estimators, candidates and constant liar as TPE, but the good group is the best
 * min(ceil(n/10), 25) observations by non-dominated front (not by one loss), its kernels weighted by their
 * hypervolume contributions, so proposals move towards the whole Pareto front and spread along it.
 */
export const motpe: Algorithm<MotpeState, readonly number[]> = {
  adaptive: true,
  options: tpe.options,
  shuffledWalk: () => true,
  init: () => ({ count: 0, elite: [], recent: [] }),

  propose(state, { space, rng, options, pending }) {
    if (state.count < (options.nStartupTrials as number)) return [{ x: space.uniform(rng) }];
    const size = Math.min(Math.ceil(0.1 * state.count), KEEP_BEST, state.elite.length);
    const chosen = goodGroup(state.elite, size);
    const good = state.elite.filter((_, i) => chosen.has(i));
    const bad = [...state.elite.filter((_, i) => !chosen.has(i)), ...state.recent].sort(bySeq).map((o) => o.x);
    if (options.constantLiar) bad.push(...pending.map((x) => space.snap(x)));
    const prior = options.priorWeight as number;
    const l = new Parzen(space.dims, good.map((o) => o.x), goodWeights(good), prior);
    const g = new Parzen(space.dims, bad, rampWeights(bad.length), prior);
    return candidatesFrom(l, g, space, rng, options);
  },

  observe(state, x, losses, _tag, { space, options }) {
    const limit = historyLimit(options, space.dims.length);
    const group = [...state.elite, { seq: state.count++, x: space.snap(x), losses: [...losses] }];
    const counts = dominatorCounts(group);
    const kept = group.filter((_, i) => (counts[i] as number) < KEEP_BEST);
    const keptCounts = counts.filter((n) => n < KEEP_BEST);
    const leaving = group.filter((_, i) => (counts[i] as number) >= KEEP_BEST);
    while (kept.length > ELITE_CAP) {
      // The first of the most dominated is the oldest: `group` is in seq order.
      const out = keptCounts.indexOf(Math.max(...keptCounts));
      leaving.push(...kept.splice(out, 1));
      keptCounts.splice(out, 1);
    }
    state.elite = kept;
    state.recent = [...state.recent, ...leaving].sort(bySeq);
    while (state.elite.length + state.recent.length > limit && state.recent.length > 0) state.recent.shift();
  },
};
