import { formatIsoTime } from '../backtest/dates';
import { createSampler } from '../search';
import type { AlgorithmName, Params } from '../search/types';
import type { SessionSpec, WalkForwardSpec } from '../types/session';

/** Algorithms whose proposals never depend on results: a session's trials are known before it runs. */
const RESULT_FREE: readonly AlgorithmName[] = ['grid', 'random', 'qmc'];

/** One line of a trial plan: the trial id and the parameters the session's sampler gives it. */
export interface PlannedTrial {
  trial: number;
  params: Params;
}

/** Why the trials of an algorithm cannot be listed in advance, or null when they can. */
export function trialPlanProblem(algorithm: AlgorithmName): string | null {
  if (RESULT_FREE.includes(algorithm)) return null;
  return (
    `${algorithm} proposes each trial from the results of the trials before it, so its trials are not known until they run; ` +
    `only ${RESULT_FREE.join(', ')} can be planned trial by trial`
  );
}

/**
 * The trials a session will run, in id order: its sampler's suggestions until the budget or the space runs
 * out. The sampler is the one the session workflow builds from the same spec, and grid, random and qmc ignore
 * outcomes, so these are exactly the session's trials, whatever the parallelism, batches or timing.
 * Check {@link trialPlanProblem} first: an adaptive algorithm would propose from made-up outcomes.
 */
export function* plannedTrials(spec: SessionSpec): Generator<PlannedTrial> {
  const sampler = createSampler(spec.search);
  for (let next = sampler.suggest(); next; next = sampler.suggest()) {
    // An outcome at once keeps the sampler's open trials from piling up over a long plan; none is ever read.
    sampler.update(next.id, { failed: true });
    yield { trial: next.id, params: next.params };
  }
}

/** A window of bars with its first and last bar's time. */
export interface PlannedWindow {
  start: number;
  end: number;
  bars: number;
  from: string;
  to: string;
}

/** One line of a walk-forward plan: a split's windows and the search each split runs on its training window. */
export interface PlannedSplit {
  split: number;
  train: PlannedWindow;
  test: PlannedWindow;
  /** First bar the training window reads to warm its indicators up. */
  warmup_from: string;
  algorithm: AlgorithmName;
  trials: number;
  seed: number;
  top_n: number;
}

/** The bars a walk-forward session keeps from every split for one final test, or null without a holdout. */
export function plannedHoldout(wf: WalkForwardSpec, time: ArrayLike<number>): PlannedWindow | null {
  return wf.holdout ? plannedWindow(wf.holdout, time) : null;
}

function plannedWindow(range: { start: number; end: number }, time: ArrayLike<number>): PlannedWindow {
  return { start: range.start, end: range.end, bars: range.end - range.start, from: formatIsoTime(time[range.start]), to: formatIsoTime(time[range.end - 1]) };
}

/** The splits of a walk-forward session, in order, as its child workflows `<session>/split-<k>` run them. */
export function plannedSplits(spec: SessionSpec & { walkForward: WalkForwardSpec }, time: ArrayLike<number>): PlannedSplit[] {
  const wf = spec.walkForward;
  return wf.splits.map((s) => ({
    split: s.k,
    train: plannedWindow(s.train, time),
    test: plannedWindow(s.test, time),
    warmup_from: formatIsoTime(time[s.train.start - wf.warmup]),
    algorithm: spec.search.algorithm,
    trials: spec.search.trials,
    seed: spec.search.seed,
    top_n: wf.topN,
  }));
}
