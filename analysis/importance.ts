import type { SearchSpace } from '../search/types';
import type { TrialRecord } from '../types/trial';
import { Prng } from '../search/prng';
import { normalise, paramAxis } from './axes';
import { fitForest, type Leaf } from './forest';
import { paramNamesOf, scoredTrials } from './trials';

export interface ImportanceOptions {
  /** Parameters to weigh; every parameter the trials have by default. */
  params?: string[];
  /** The session's search space: the bounds (and log scaling) the variance is measured over. */
  space?: SearchSpace;
  /** Seeds the forest's bootstrap and the subsample (default 0). */
  seed?: number;
  /** Trees in the forest (default 64, as Optuna). */
  trees?: number;
  /** Depth limit of each tree (default 64, as Optuna). */
  maxDepth?: number;
  /** Above this many trials a seeded random subsample is used, to bound the time (default 2,000). */
  maxTrials?: number;
}

export interface ParamImportance {
  param: string;
  /** Share of the objective's variance this parameter explains on its own; all of them sum to 1. */
  importance: number;
}

/**
 * Parameter importance by fANOVA (Hutter, Hoos & Leyton-Brown, ICML 2014), as Optuna's
 * `FanovaImportanceEvaluator` computes it: a random forest (`forest.ts`) learns the objective from the
 * parameters, each mapped to [0, 1] by `axes.ts`. For each
 * tree, whose leaves tile the space, the total variance V of its prediction over the whole space (uniform
 * measure) and, per parameter, the variance V_p of its marginal (the prediction averaged over all other
 * parameters) are exact sums over leaves; V_p / V is the parameter's share in that tree. Shares are averaged
 * over the trees that vary and normalised to sum to 1. Differences from Optuna: a log parameter is measured
 * on its log scale, the scale it was searched on (Optuna's fANOVA uses the linear scale, where the upper
 * decade of the range takes ~90 % of the measure); a categorical parameter is one ordinal feature, its
 * choices in equal cells, rather than one-hot columns; and the forest is our own, so values agree in
 * ranking and roughly in size, not to the digit (`scripts/compareImportance.ts`).
 *
 * Only succeeded trials with a finite objective and every analysed parameter count. Sorted by importance,
 * then by name; all 0 when the objective does not vary.
 *
 * @example paramImportance(trials, { space: spec.search.space, seed: spec.search.seed })
 */
export function paramImportance(trials: readonly TrialRecord[], options: ImportanceOptions = {}): ParamImportance[] {
  const names = options.params ?? paramNamesOf(scoredTrials(trials));
  let usable = scoredTrials(trials).filter((t) => names.every((p) => p in t.params));
  const cap = options.maxTrials ?? 2000;
  const seed = options.seed ?? 0;
  if (usable.length > cap) usable = subsample(usable, cap, seed);
  const zero = () => names.map((param) => ({ param, importance: 0 })).sort((a, b) => a.param.localeCompare(b.param));
  if (usable.length < 2 || names.length === 0) return zero();

  const columns = names.map((p) => {
    const axis = paramAxis(p, usable.map((t) => t.params[p]), options.space?.[p]);
    return Float64Array.from(usable, (t) => normalise(axis, t.params[p]));
  });
  const forest = fitForest(columns, usable.map((t) => t.objective), { trees: options.trees ?? 64, maxDepth: options.maxDepth ?? 64, seed });
  const totals = new Array<number>(names.length).fill(0);
  let used = 0;
  for (const leaves of forest) {
    const shares = treeShares(leaves, names.length);
    if (!shares) continue;
    shares.forEach((s, i) => (totals[i] += s));
    used++;
  }
  const sum = totals.reduce((a, b) => a + b, 0);
  if (used === 0 || sum <= 0) return zero();
  return names
    .map((param, i) => ({ param, importance: totals[i] / sum }))
    .sort((a, b) => b.importance - a.importance || a.param.localeCompare(b.param));
}

/** Each feature's share V_p / V of one tree's variance, or null when the tree predicts a constant. */
function treeShares(leaves: Leaf[], d: number): number[] | null {
  const volume = leaves.map((l) => l.lower.reduce((v, lo, f) => v * (l.upper[f] - lo), 1));
  let mu = 0;
  leaves.forEach((l, i) => (mu += volume[i] * l.value));
  let total = 0;
  leaves.forEach((l, i) => (total += volume[i] * (l.value - mu) ** 2));
  if (!(total > 1e-12 * Math.max(1, mu * mu))) return null;

  const shares: number[] = [];
  for (let f = 0; f < d; f++) {
    const cuts = [...new Set(leaves.flatMap((l) => [l.lower[f], l.upper[f]]))].sort((a, b) => a - b);
    const at = new Map(cuts.map((c, i) => [c, i]));
    // The marginal is piecewise constant between cuts; a difference array adds each leaf's share to its span.
    const diff = new Float64Array(cuts.length);
    leaves.forEach((l, i) => {
      const width = l.upper[f] - l.lower[f];
      if (width <= 0) return;
      const c = (l.value * volume[i]) / width;
      diff[at.get(l.lower[f])!] += c;
      diff[at.get(l.upper[f])!] -= c;
    });
    let marginal = 0, v = 0;
    for (let j = 0; j + 1 < cuts.length; j++) {
      marginal += diff[j];
      v += (cuts[j + 1] - cuts[j]) * (marginal - mu) ** 2;
    }
    shares.push(v / total);
  }
  return shares;
}

function subsample<T>(items: T[], k: number, seed: number): T[] {
  const rng = Prng.fromSeed(seed, 0x535542);
  const idx = items.map((_, i) => i);
  for (let i = 0; i < k; i++) {
    const j = i + rng.below(idx.length - i);
    [idx[i], idx[j]] = [idx[j], idx[i]];
  }
  return idx.slice(0, k).sort((a, b) => a - b).map((i) => items[i]);
}
