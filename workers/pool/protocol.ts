import type { Params } from '../../search/types';
import type { BacktestEvaluatorSpec } from '../../types/session';
import type { MetricValues } from '../../types/trial';

/** One trial as it crosses into a thread: only what the backtest needs, as plain data. */
export interface ThreadTask {
  spec: BacktestEvaluatorSpec;
  params: Params;
}

/**
 * Which error class the main thread rebuilds. Structured cloning turns every Error subclass into a plain
 * Error, so the thread names the class and the main thread constructs it again.
 */
export type ThreadErrorKind = 'InvalidParameters' | 'Input' | 'Other';

/** A thread answers with metrics or with a described error; it never throws across the boundary. */
export type ThreadReply =
  | { metrics: MetricValues }
  | { error: { kind: ThreadErrorKind; name: string; message: string; stack?: string } };
