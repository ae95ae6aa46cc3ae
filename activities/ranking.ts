import type { Direction } from '../search/types';
import type { TrialRecord } from '../types/trial';

export type RankedTrial = TrialRecord & { objective: number };

/** Succeeded trials with a finite objective, best first; ties go to the lower trial id. */
export function rankTrials(trials: TrialRecord[], direction: Direction): RankedTrial[] {
  const sign = direction === 'maximize' ? -1 : 1;
  return trials
    .filter((t): t is RankedTrial => t.status === 'succeeded' && t.objective !== null && Number.isFinite(t.objective))
    .sort((a, b) => sign * (a.objective - b.objective) || a.trialId - b.trialId);
}
