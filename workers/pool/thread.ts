import { runBacktestTrial } from '../../activities/backtestTrial';
import { InputError, InvalidParametersError } from '../../types/errors';
import type { ThreadErrorKind, ThreadReply, ThreadTask } from './protocol';

function kindOf(err: unknown): ThreadErrorKind {
  if (err instanceof InvalidParametersError) return 'InvalidParameters';
  if (err instanceof InputError) return 'Input';
  return 'Other';
}

/** Piscina's task handler: one backtest in this thread. */
export default function runTrial(task: ThreadTask): ThreadReply {
  try {
    return { metrics: runBacktestTrial(task.spec, task.params) };
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    return { error: { kind: kindOf(err), name: e.name, message: e.message, stack: e.stack } };
  }
}
