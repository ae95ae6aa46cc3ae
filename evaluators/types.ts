import type { BacktestPhaseMs } from '../backtest';
import type { Params } from '../search/types';
import type { BacktestEvaluatorSpec, EvaluatorSpec } from '../types/session';
import type { MetricValues } from '../types/trial';
import type { StagedEvaluation, TrialStages } from '../pruning/stagedTrials';

/** What a worker needs to run one trial. Small: it travels through workflow history. */
export interface TrialInput {
  sessionId: string;
  trialId: number;
  params: Params;
  evaluator: EvaluatorSpec;
  objective: { metric: string; direction: 'maximize' | 'minimize' };
  /** Every objective of a multi-objective session (the first is `objective`); absent with one. */
  objectives?: Array<{ metric: string; direction: 'maximize' | 'minimize' }>;
  /** Trials with fewer trades are stored but not ranked (0: no guard). */
  minTrades?: number;
  /** Conditions on the metrics a trial must meet to be ranked (absent: none); see analysis/resultConstraints. */
  resultConstraints?: string[];
  /** The trial's attempt when a batch retries it itself; otherwise the activity's attempt. */
  attempt?: number;
}

/**
 * Runs one trial and returns its metrics. Throws InvalidParametersError for parameter sets the strategy
 * rejects (never retried), InputError for bad configuration (never retried) and any other error for
 * failures worth a retry. An evaluator that can tell where a successful trial's time went (built-in
 * backtests) adds it to `phases`; others leave it alone.
 */
export type TrialEvaluator = (input: TrialInput, signal: AbortSignal, phases?: BacktestPhaseMs) => Promise<MetricValues>;

/** What several trials run together yield: each trial's metrics or error, and the time spent running them. */
export interface ManyTrialsResult {
  /** A pruned trial's metrics are those of the stage it stopped after (see `stages`). */
  results: Array<MetricValues | Error>;
  /** Trials run in stages: how each went, in the order of `results`; null for one that yields an error. */
  stages?: Array<TrialStages | null>;
  /** Time the backtests took where they ran, queueing for a thread excluded. */
  elapsedMs: number;
  /** Where that time went; absent when the trials did not run (their part failed as a whole, or bad data). */
  phases?: BacktestPhaseMs;
}

/**
 * Runs several built-in backtest trials of one session at once on shared indicators and settles each on its
 * own: metrics, or the trial's error (a BatchPartError when its part of the batch failed as a whole and the
 * trial must run alone). `perTrialTimeoutMs` bounds a part at that much per trial in it. With `staged` (a
 * session with pruning) the trials run in stages and the rule may stop each after one.
 */
export type ManyTrialsEvaluator = (
  spec: BacktestEvaluatorSpec,
  paramSets: Params[],
  signal: AbortSignal,
  perTrialTimeoutMs: number,
  staged?: StagedEvaluation,
) => Promise<ManyTrialsResult>;
