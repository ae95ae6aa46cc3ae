import type { Direction, Params, SearchSpace } from '../search/types';
import type { TrialRecord } from '../types/trial';
import { levelsOf, normalise, paramAxis, type Level, type ParamAxis } from './axes';
import { extent, mean, median } from './numeric';
import { bestTrial, paramNamesOf, scoredTrials, type ScoredTrial } from './trials';

export interface SensitivityOptions {
  direction: Direction;
  /** Parameters to analyse; every parameter the trials have by default. */
  params?: string[];
  /** The session's search space: bounds and log scaling for the bins. */
  space?: SearchSpace;
  /** At most this many levels per parameter (default 10). */
  bins?: number;
  /** Exact slices need trials on at least this many levels (default 3), else nearest neighbours are used. */
  minExactLevels?: number;
  /** Nearest neighbours averaged per level (default 1: the trial closest to the best point). */
  neighbours?: number;
}

/** The objective over one level of a parameter. */
export interface SensitivityLevel extends Level {
  trials: number;
  mean: number;
  median: number;
  /** Mean normalised distance of those trials from the best point on the other parameters, in [0, 1]; null for marginal levels. */
  distance: number | null;
}

export interface ParamSensitivity {
  param: string;
  /** `exact`: trials equal to the best point on every other parameter; `nearest`: nearest neighbours per level. */
  method: 'exact' | 'nearest';
  aroundBest: SensitivityLevel[];
  marginal: SensitivityLevel[];
  /** Largest minus smallest level mean around the best point: how much the objective moves with this parameter alone. */
  aroundBestSpread: number;
  marginalSpread: number;
}

export interface SensitivityResult {
  best: { trialId: number; params: Params; objective: number } | null;
  params: ParamSensitivity[];
}

/**
 * How the objective responds to each parameter.
 *
 * - Around the best point: the one parameter varies over the levels tried while the others stay at the best
 *   trial's values. Trials equal to the best point on every other parameter give this slice exactly (grid
 *   searches); when they cover fewer than `minExactLevels` levels (random, TPE and other continuous
 *   searches), each level takes instead the `neighbours` trials in it nearest to the best point on the other
 *   parameters, in the normalised space of `axes.ts` (Euclidean, divided by √(other parameters) so that it
 *   lies in [0, 1]; a categorical parameter adds 0 when equal, 1 otherwise). `distance` says how far from a
 *   true slice each level is.
 * - Marginal: the mean and median objective of all trials per level, over the whole search.
 *
 * Levels are each distinct value when at most `bins` were tried, else equal-width bins (log-width on a log
 * axis). Only succeeded trials with a finite objective count.
 *
 * @example toCsv(SENSITIVITY_COLUMNS, sensitivityRows(sensitivity(trials, { direction: 'maximize', space })))
 */
export function sensitivity(trials: readonly TrialRecord[], options: SensitivityOptions): SensitivityResult {
  const scored = scoredTrials(trials);
  const best = bestTrial(scored, options.direction);
  if (!best) return { best: null, params: [] };
  const names = options.params ?? paramNamesOf(scored);
  const usable = scored.filter((t) => names.every((p) => p in t.params));
  // Computed once per parameter rather than per pair of parameters: sessions reach a million trials.
  const coords = new Map(names.map((p): [string, Coordinates] => {
    const axis = paramAxis(p, usable.map((t) => t.params[p]), options.space?.[p]);
    return [p, {
      axis,
      offset: Float64Array.from(usable, (t) => normalise(axis, t.params[p]) - normalise(axis, best.params[p])),
      atBest: Uint8Array.from(usable, (t) => Number(t.params[p] === best.params[p])),
    }];
  }));
  const params = names.map((p) => analyseParam(p, usable, names.filter((q) => q !== p), coords, options));
  return { best: { trialId: best.trialId, params: best.params, objective: best.objective }, params };
}

/** Where each trial lies on one parameter, relative to the best point. */
interface Coordinates {
  axis: ParamAxis;
  /** Normalised position minus the best point's. */
  offset: Float64Array;
  /** 1 where the trial has the best point's value. */
  atBest: Uint8Array;
}

function analyseParam(p: string, trials: ScoredTrial[], others: string[], coords: Map<string, Coordinates>, options: SensitivityOptions): ParamSensitivity {
  const { levels, levelOf } = levelsOf(coords.get(p)!.axis, trials.map((t) => t.params[p]), options.bins ?? 10);
  const byLevel = levels.map(() => [] as number[]);
  trials.forEach((t, i) => byLevel[levelOf(t.params[p])]?.push(i));

  const other = others.map((q) => coords.get(q)!);
  const distance = (i: number) => {
    if (other.length === 0) return 0;
    let sum = 0;
    for (const c of other) {
      const d = c.axis.kind === 'categorical' ? 1 - c.atBest[i] : c.offset[i];
      sum += d * d;
    }
    return Math.sqrt(sum / other.length);
  };
  const exact = byLevel.map((group) => group.filter((i) => other.every((c) => c.atBest[i] === 1)));
  const covered = exact.filter((g) => g.length > 0).length;
  const method = covered >= Math.min(options.minExactLevels ?? 3, byLevel.filter((g) => g.length > 0).length) ? 'exact' : 'nearest';
  const k = Math.max(1, options.neighbours ?? 1);
  const slice = method === 'exact' ? exact : byLevel.map((group) => nearest(group, k, distance, (i) => trials[i].trialId));

  const summarise = (groups: number[][], withDistance: boolean): SensitivityLevel[] =>
    groups.flatMap((group, l) => {
      if (group.length === 0) return [];
      const values = group.map((i) => trials[i].objective);
      return [{ ...levels[l], trials: group.length, mean: mean(values), median: median(values), distance: withDistance ? mean(group.map(distance)) : null }];
    });
  const aroundBest = summarise(slice, true);
  const marginal = summarise(byLevel, false);
  return { param: p, method, aroundBest, marginal, aroundBestSpread: spread(aroundBest), marginalSpread: spread(marginal) };
}

/** The k trials nearest the best point (ties: the lower trial id) in one pass: k is small and a level may hold millions. */
function nearest(group: number[], k: number, distance: (i: number) => number, idOf: (i: number) => number): number[] {
  const kept: { i: number; d: number }[] = [];
  const before = (a: { i: number; d: number }, b: { i: number; d: number }) => a.d < b.d || (a.d === b.d && idOf(a.i) < idOf(b.i));
  for (const i of group) {
    const item = { i, d: distance(i) };
    if (kept.length === k && !before(item, kept[k - 1])) continue;
    let at = kept.length;
    while (at > 0 && before(item, kept[at - 1])) at--;
    kept.splice(at, 0, item);
    if (kept.length > k) kept.pop();
  }
  return kept.map((x) => x.i);
}

function spread(levels: SensitivityLevel[]): number {
  if (levels.length === 0) return 0;
  const means = levels.map((l) => l.mean);
  const [lo, hi] = extent(means);
  return hi - lo;
}

/** Column names of `sensitivity.csv`, in order. */
export const SENSITIVITY_COLUMNS = ['param', 'section', 'method', 'level', 'param_low', 'param_high', 'trials', 'objective_mean', 'objective_median', 'distance'];

/** One row per parameter, section (`around_best`, `marginal`) and level, matching `SENSITIVITY_COLUMNS`. */
export function sensitivityRows(result: SensitivityResult): (string | number | null)[][] {
  return result.params.flatMap((s) => [
    ...s.aroundBest.map((l) => row(s.param, 'around_best', s.method, l)),
    ...s.marginal.map((l) => row(s.param, 'marginal', 'all', l)),
  ]);
}

function row(param: string, section: string, method: string, l: SensitivityLevel): (string | number | null)[] {
  return [param, section, method, l.label, l.low, l.high, l.trials, l.mean, l.median, l.distance];
}
