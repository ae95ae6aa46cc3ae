import { runBacktestTrial, runBacktestTrials, runStagedBacktests } from '../backtest';
import { noBacktestPhases } from '../phases';
import { InputError, InvalidParametersError } from '../../errors';
import type { ThreadError, ThreadErrorKind, ThreadReply, ThreadTask } from './protocol';

function kindOf(err: unknown): ThreadErrorKind {
  if (err instanceof InvalidParametersError) return 'InvalidParameters';
  if (err instanceof InputError) return 'Input';
  return 'Other';
}

function describe(err: unknown): ThreadError {
  const e = err instanceof Error ? err : new Error(String(err));
  return { kind: kindOf(err), name: e.name, message: e.message, stack: e.stack };
}

/** Piscina's task handler: one backtest, or a batch of them on shared indicators, in this thread. */
export default function runTrial(task: ThreadTask): ThreadReply {
  const phases = noBacktestPhases();
  try {
    if ('paramSets' in task) {
      const started = performance.now();
      const replies = task.staged
        ? runStagedBacktests(task.spec, task.paramSets, task.staged, phases).map((r) => (r instanceof Error ? { error: describe(r) } : r))
        : runBacktestTrials(task.spec, task.paramSets, phases).map((r) => (r instanceof Error ? { error: describe(r) } : { metrics: r }));
      return { replies, elapsedMs: performance.now() - started, phases };
    }
    return { metrics: runBacktestTrial(task.spec, task.params, phases), phases };
  } catch (err) {
    return { error: describe(err) };
  }
}
