import type { Params } from '../search/types';
import type { MetricValues, TrialRecord } from '../types/trial';

/** Which trial a record is of, and what ranks it. */
export interface RecordedTrial {
  sessionId: string;
  trialId: number;
  params: Params;
  objective: { metric: string };
  /** Trials with fewer trades are stored but not ranked (0 or absent: no guard). */
  minTrades?: number;
}

/**
 * The record of a trial that ran to the end: ranked by its objective, unless the objective is not a finite
 * number or the trial made fewer trades than `minTrades`, which the record's note explains.
 */
export function succeededRecord(trial: RecordedTrial, metrics: MetricValues, attempt: number, workerId: string, durationMs: number): TrialRecord {
  const value = metrics[trial.objective.metric];
  const trades = metrics.trades;
  const tooFewTrades = !!trial.minTrades && typeof trades === 'number' && trades < trial.minTrades;
  const finite = typeof value === 'number' && Number.isFinite(value);
  return {
    sessionId: trial.sessionId,
    trialId: trial.trialId,
    params: trial.params,
    status: 'succeeded',
    metrics,
    objective: finite && !tooFewTrades ? value : null,
    attempt,
    workerId,
    durationMs,
    finishedAt: new Date().toISOString(),
    ...(tooFewTrades
      ? { note: `not ranked: ${trades} trades < min_trades ${trial.minTrades}` }
      : !finite
        ? { note: `not ranked: ${trial.objective.metric} is ${value === null || value === undefined ? 'undefined' : String(value)} (e.g. no trades, or no variation in returns)` }
        : {}),
  };
}

export function failedRecord(
  trial: { sessionId: string; trialId: number; params: Params },
  attempt: number,
  workerId: string,
  error: string,
  durationMs: number,
): TrialRecord {
  return {
    sessionId: trial.sessionId,
    trialId: trial.trialId,
    params: trial.params,
    status: 'failed',
    metrics: {},
    objective: null,
    attempt,
    workerId,
    durationMs,
    finishedAt: new Date().toISOString(),
    error,
  };
}
