import type { Direction } from './types';

/*
 * The one order of results in tuneflow: the sampler's best, the workflow's leaderboard, rankings.csv,
 * best_params.json and every analysis rank by the objective, ties going to the lower trial id, so no order
 * depends on when results arrived.
 */

/** Whether the result (`value`, trial `id`) ranks before (`otherValue`, `otherId`). */
export function ranksBefore(direction: Direction, value: number, id: number, otherValue: number, otherId: number): boolean {
  if (value !== otherValue) return direction === 'maximize' ? value > otherValue : value < otherValue;
  return id < otherId;
}

/** A trial with a finite objective. */
export interface RankedResult {
  trialId: number;
  objective: number;
}

/** {@link ranksBefore} for trial records: `(a, b) => a ranks before b`. */
export function trialRanksBefore(direction: Direction): (a: RankedResult, b: RankedResult) => boolean {
  return (a, b) => ranksBefore(direction, a.objective, a.trialId, b.objective, b.trialId);
}

/** A sort key for the same order: ascending keys, then ascending trial ids (for external sorts). */
export function rankingKey(direction: Direction, objective: number): number {
  return direction === 'maximize' ? -objective : objective;
}
