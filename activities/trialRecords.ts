import type { Params } from '../search/types';
import type { MetricValues, TrialRecord } from '../types/trial';

/** Which trial a record is of, and what ranks it. */
export interface RecordedTrial {
  sessionId: string;
  trialId: number;
  params: Params;
  objective: { metric: string };
  /** Every objective of a multi-objective session (the first is `objective`): a trial is ranked only when all are finite. */
  objectives?: { metric: string }[];
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
  const undefinedMetric = (trial.objectives ?? [trial.objective]).map((o) => o.metric).find((m) => !isFiniteNumber(metrics[m]));
  const finite = undefinedMetric === undefined;
  const shown = undefinedMetric === undefined ? undefined : metrics[undefinedMetric];
  return {
    sessionId: trial.sessionId,
    trialId: trial.trialId,
    params: trial.params,
    status: 'succeeded',
    metrics,
    objective: finite && !tooFewTrades ? (value as number) : null,
    attempt,
    workerId,
    durationMs,
    finishedAt: new Date().toISOString(),
    ...(tooFewTrades
      ? { note: `not ranked: ${trades} trades < min_trades ${trial.minTrades}` }
      : !finite
        ? { note: `not ranked: ${undefinedMetric} is ${shown === null || shown === undefined ? 'undefined' : String(shown)} (e.g. no trades, or no variation in returns)` }
        : {}),
  };
}

function isFiniteNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

/**
 * What the workflow learns of a ranked trial of a multi-objective session: every objective's value, in order;
 * undefined for a single objective or a trial that is not ranked.
 */
export function objectiveValues(record: TrialRecord, objectives: readonly { metric: string }[] | undefined): number[] | undefined {
  if (!objectives || record.status !== 'succeeded' || record.objective === null) return undefined;
  return objectives.map((o) => record.metrics[o.metric] as number);
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
