import type { CommandEvaluatorSpec } from '../types/session';
import { createBacktestPool, type PoolStats } from './pool';
import { runBacktestTrial, runBacktestTrials, runStagedBacktests } from './backtest';
import { createCommandEvaluator } from './command';
import { noBacktestPhases } from './phases';
import type { ManyTrialsEvaluator, TrialEvaluator } from './types';

export type { ManyTrialsEvaluator, ManyTrialsResult, TrialEvaluator, TrialInput } from './types';

/** Built-in backtests on the calling thread: for tests and embedders; workers use the thread pool. */
export function createBacktestEvaluator(): TrialEvaluator {
  return async (input, _signal, phases) => {
    if (input.evaluator.kind !== 'backtest') throw new Error(`not a backtest evaluator: ${input.evaluator.kind}`);
    return runBacktestTrial(input.evaluator, input.params, phases);
  };
}

export interface WorkerEvaluator {
  evaluate: TrialEvaluator;
  evaluateMany: ManyTrialsEvaluator;
  /** Thread pool statistics; null when backtests run on the main thread. */
  poolStats(): PoolStats | null;
  close(): Promise<void>;
}

/** Upper bound of an external command's log file. */
const MAX_LOG_BYTES = 1 << 20;

/**
 * A worker's evaluator: built-in backtests in a pool of `threads` backtest threads (on the main thread when
 * `threads` is 0), external commands as child processes in their own process groups. `workerId` is named in
 * the error when a command's config refers to a variable this worker's environment lacks.
 */
export function createWorkerEvaluator(opts: { threads: number; maxMemoryMb?: number; workerId?: string }): WorkerEvaluator {
  const pool = opts.threads > 0 ? createBacktestPool({ threads: opts.threads, maxMemoryMb: opts.maxMemoryMb }) : null;
  const inline = createBacktestEvaluator();
  const commands = new Map<string, TrialEvaluator>();
  const command = (spec: CommandEvaluatorSpec): TrialEvaluator => {
    const key = JSON.stringify(spec);
    let evaluator = commands.get(key);
    if (!evaluator) {
      evaluator = createCommandEvaluator({ ...spec, maxLogBytes: MAX_LOG_BYTES, workerId: opts.workerId });
      commands.set(key, evaluator);
    }
    return evaluator;
  };
  return {
    evaluate: (input, signal, phases) => {
      if (input.evaluator.kind === 'command') return command(input.evaluator)(input, signal);
      return (pool?.evaluate ?? inline)(input, signal, phases);
    },
    evaluateMany: pool
      ? pool.evaluateMany
      : async (spec, paramSets, _signal, _timeoutMs, staged) => {
          const started = performance.now();
          const phases = noBacktestPhases();
          if (!staged) return { results: runBacktestTrials(spec, paramSets, phases), elapsedMs: performance.now() - started, phases };
          const runs = runStagedBacktests(spec, paramSets, staged, phases);
          return {
            results: runs.map((r) => (r instanceof Error ? r : r.metrics)),
            stages: runs.map((r) => (r instanceof Error ? null : r.stages)),
            elapsedMs: performance.now() - started,
            phases,
          };
        },
    poolStats: () => pool?.stats() ?? null,
    close: async () => {
      await pool?.close();
    },
  };
}
