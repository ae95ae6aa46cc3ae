import type { Params } from '../search/types';

/** `pruned`: stopped after a stage by the session's pruning rule; stored with that stage's metrics, never ranked. */
export type TrialStatus = 'succeeded' | 'failed' | 'pruned';

/** Metric values of one trial; `null` where a statistic is undefined (e.g. Sharpe with no variance). */
export type MetricValues = Record<string, number | null>;

/**
 * The full result of one trial as the trial store keeps it. Written idempotently under
 * (sessionId, trialId): a retried or replayed trial overwrites itself and never counts twice.
 */
export interface TrialRecord {
  sessionId: string;
  trialId: number;
  params: Params;
  status: TrialStatus;
  metrics: MetricValues;
  /** The objective metric's value; null when the trial failed, was pruned, or the metric is undefined. */
  objective: number | null;
  /** The attempt that produced this record, from 1. */
  attempt: number;
  workerId: string;
  durationMs: number;
  /** ISO time the record was written. */
  finishedAt: string;
  error?: string;
  /** Why a succeeded trial is not ranked (e.g. too few trades for `min_trades`). */
  note?: string;
  /** The metrics came from the result cache: an equal backtest ran before; `durationMs` is the look-up's share. */
  cached?: true;
  /** A pruned trial: the stage it stopped after and its objective there; `metrics` are that stage's, `note` says why. */
  pruned?: { stage: number; value: number };
}
