import type { BacktestPhaseMs } from '../../backtest';
import type { StagedEvaluation, TrialStages } from '../../pruning/stagedTrials';
import type { Params } from '../../search/types';
import type { BacktestEvaluatorSpec } from '../../types/session';
import type { MetricValues } from '../../types/trial';

/**
 * Trials as they cross into a thread: only what the backtests need, as plain data. One parameter set is one
 * trial; several are a batch run on shared indicators, in stages when `staged` is given (pruning).
 */
export type ThreadTask = { spec: BacktestEvaluatorSpec; params: Params } | { spec: BacktestEvaluatorSpec; paramSets: Params[]; staged?: StagedEvaluation };

/**
 * Which error class the main thread rebuilds. Structured cloning turns every Error subclass into a plain
 * Error, so the thread names the class and the main thread constructs it again.
 */
export type ThreadErrorKind = 'InvalidParameters' | 'Input' | 'Other';

export interface ThreadError {
  kind: ThreadErrorKind;
  name: string;
  message: string;
  stack?: string;
}

/** One trial's answer: metrics (with its stages when it ran in stages) or a described error. */
export type TrialReply = { metrics: MetricValues; stages?: TrialStages } | { error: ThreadError };

/**
 * A thread answers a single trial with its reply, and a batch with one reply per set and the time the batch
 * ran in the thread; with their results come the phases their time went to. It never throws across the boundary.
 */
export type ThreadReply =
  | { metrics: MetricValues; phases: BacktestPhaseMs }
  | { error: ThreadError }
  | { replies: TrialReply[]; elapsedMs: number; phases: BacktestPhaseMs };
