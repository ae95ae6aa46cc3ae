import type { Direction } from '../search/types';
import type { TrialRecord } from '../types/trial';
import { trialRanksBefore } from '../search/ranking';

/** A trial an analysis can use: it succeeded and its objective is a finite number. */
export type ScoredTrial = TrialRecord & { objective: number };

/** The trials every analysis reads; failed trials and undefined objectives are left out. */
export function scoredTrials(trials: readonly TrialRecord[]): ScoredTrial[] {
  return trials.filter((t): t is ScoredTrial => t.status === 'succeeded' && typeof t.objective === 'number' && Number.isFinite(t.objective));
}

/** The trial with the best objective (ties: the lower trial id), or null when no trial scored. */
export function bestTrial(trials: readonly TrialRecord[], direction: Direction): ScoredTrial | null {
  const before = trialRanksBefore(direction);
  let best: ScoredTrial | null = null;
  for (const t of scoredTrials(trials)) {
    if (!best || before(t, best)) best = t;
  }
  return best;
}

/** Every parameter name any trial has, sorted so that outputs list them in one stable order. */
export function paramNamesOf(trials: readonly TrialRecord[]): string[] {
  const names = new Set<string>();
  for (const t of trials) for (const name in t.params) names.add(name);
  return [...names].sort();
}
