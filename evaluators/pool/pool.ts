import os from 'node:os';
import path from 'node:path';
import { Piscina } from 'piscina';
import type { BacktestPhaseMs } from '../../backtest';
import type { Params } from '../../search/types';
import type { ManyTrialsEvaluator, ManyTrialsResult, TrialEvaluator } from '../types';
import type { StagedEvaluation } from '../../pruning/stagedTrials';
import { BatchPartError, InputError, InvalidParametersError } from '../../errors';
import type { ThreadError, ThreadReply, ThreadTask } from './protocol';

export interface BacktestPoolOptions {
  /** Backtest threads, each running one backtest at a time; the machine's available parallelism by default. */
  threads?: number;
  /**
   * V8 heap limit of each thread in MB (young plus old generation), as `--max-memory-mb` sets it; Node's own
   * limit when absent. Typed-array data (bars, equity curves) lives outside the heap and is not counted.
   */
  maxMemoryMb?: number;
}

export interface PoolStats {
  threads: number;
  /** Trials submitted and not yet settled, queued ones included. */
  inFlight: number;
  queued: number;
  succeeded: number;
  /** Trials that ended with an error, out-of-memory ones included; cancelled ones are not. */
  failed: number;
  outOfMemory: number;
  cancelled: number;
  /** Share of thread time spent on trials since the pool started, 0 to 1 (piscina's measure). */
  utilization: number;
}

export interface BacktestPool {
  /** Runs a built-in or user-module backtest in a thread; see {@link createBacktestPool} for its errors. */
  evaluate: TrialEvaluator;
  /**
   * Runs several trials of one session in one thread on shared indicators (`runMany`), in stages with
   * `staged` (pruning). Each trial yields its metrics or its own error; when the run fails as a whole (its thread ran out of memory or crashed, or it
   * outlived `perTrialTimeoutMs` times its length) each trial yields a BatchPartError, so the caller can run
   * them one by one. Calls queue for a free thread like single trials.
   */
  evaluateMany: ManyTrialsEvaluator;
  stats(): PoolStats;
  /** Waits for running trials to settle, then stops the threads. Call once the worker has stopped polling. */
  close(): Promise<void>;
}

/**
 * Young generation of a thread without --max-memory-mb, in MB. V8 sizes it for throughput (tens of MB per
 * isolate), which with a few threads is most of a worker's memory; backtests allocate little that lives,
 * so a small one costs a few per cent of speed (bench:campaign: 183 MB less RSS, 4 % fewer trials/s).
 */
const YOUNG_GENERATION_MB = 8;

/** Below this a thread cannot load the engine and a data file with room to spare. */
const MIN_MEMORY_MB = 32;

/**
 * A pool of backtest threads for CPU-bound backtests, so that the main event loop stays free for Temporal's
 * heartbeats and polling. Each thread loads a data file once (again when its mtime changes) and each user
 * strategy module once. A thread that reaches its heap limit dies and piscina starts another in its place.
 *
 * `evaluate` rejects with InvalidParametersError or InputError as the engine threw them in the thread (same
 * message); with a plain Error naming `--max-memory-mb` when the trial exhausted its thread's heap; with the
 * signal's reason once `signal` aborts, after dropping the queued trial or terminating its thread; with a plain
 * Error, class name and thread stack kept, for anything else.
 *
 * @throws InputError for a thread count below 1 or a memory limit below 32 MB.
 * @example
 * const pool = createBacktestPool({ threads: 4, maxMemoryMb: 512 });
 * const metrics = await pool.evaluate(trialInput, new AbortController().signal);
 * await pool.close();
 */
export function createBacktestPool(options: BacktestPoolOptions = {}): BacktestPool {
  const threads = options.threads ?? os.availableParallelism();
  const { maxMemoryMb } = options;
  if (!Number.isInteger(threads) || threads < 1) throw new InputError(`--threads must be a whole number >= 1, got ${threads}.`);
  if (maxMemoryMb !== undefined && !(Number.isInteger(maxMemoryMb) && maxMemoryMb >= MIN_MEMORY_MB)) {
    throw new InputError(`--max-memory-mb must be a whole number >= ${MIN_MEMORY_MB}, got ${maxMemoryMb}.`);
  }

  const pool = new Piscina<ThreadTask, ThreadReply>({
    filename: path.join(__dirname, 'thread.js'),
    minThreads: threads,
    maxThreads: threads,
    concurrentTasksPerWorker: 1,
    resourceLimits: maxMemoryMb === undefined ? { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB } : heapLimits(maxMemoryMb),
  });
  // A thread that dies between trials has no trial to fail; piscina replaces it and reports it here, and an
  // 'error' event without a listener would end the process.
  pool.on('error', (err: Error) => console.error(`tuneflow: a backtest thread failed between trials and was replaced: ${err.message}`));

  const counts = { inFlight: 0, succeeded: 0, failed: 0, outOfMemory: 0, cancelled: 0 };
  let closing: Promise<void> | undefined;
  const limit = maxMemoryMb === undefined ? "Node's default heap limit" : `--max-memory-mb ${maxMemoryMb}`;

  const evaluate: TrialEvaluator = async (input, signal, phases) => {
    const { evaluator: spec } = input;
    if (spec.kind !== 'backtest') throw new InputError(`the backtest thread pool cannot run a ${spec.kind} evaluator.`);
    counts.inFlight++;
    try {
      const reply = await pool.run({ spec, params: input.params }, { signal });
      if ('error' in reply) throw rebuild(reply.error);
      if (!('metrics' in reply)) throw new Error('a backtest thread answered a single trial with a batch reply');
      counts.succeeded++;
      if (phases) addPhases(phases, reply.phases);
      return reply.metrics;
    } catch (err) {
      if (signal.aborted) {
        counts.cancelled++;
        throw signal.reason instanceof Error ? signal.reason : err;
      }
      counts.failed++;
      if ((err as NodeJS.ErrnoException).code === 'ERR_WORKER_OUT_OF_MEMORY') {
        counts.outOfMemory++;
        throw new Error(
          `trial ${input.trialId} exceeded ${limit} in its backtest thread (V8 heap limit reached, ERR_WORKER_OUT_OF_MEMORY); ` +
            'the thread was replaced. Raise --max-memory-mb or make the strategy use less memory.',
        );
      }
      throw err;
    } finally {
      counts.inFlight--;
    }
  };

  const runPart = async (spec: ThreadTask['spec'], paramSets: Params[], signal: AbortSignal, timeoutMs: number, staged?: StagedEvaluation): Promise<ManyTrialsResult> => {
    const part = AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]);
    const started = performance.now();
    counts.inFlight += paramSets.length;
    try {
      const reply = await pool.run({ spec, paramSets, ...(staged ? { staged } : {}) }, { signal: part });
      if (!('replies' in reply)) throw rebuild('error' in reply ? reply.error : { kind: 'Other', name: 'Error', message: 'no replies' });
      const results = reply.replies.map((r) => {
        if ('error' in r) {
          counts.failed++;
          return rebuild(r.error);
        }
        counts.succeeded++;
        return r.metrics;
      });
      const stages = staged ? reply.replies.map((r) => ('stages' in r ? (r.stages ?? null) : null)) : undefined;
      return { results, elapsedMs: reply.elapsedMs, phases: reply.phases, ...(stages ? { stages } : {}) };
    } catch (err) {
      if (signal.aborted) {
        counts.cancelled += paramSets.length;
        throw signal.reason instanceof Error ? signal.reason : err;
      }
      // Bad data or an unknown strategy fails every trial alike, and is no reason to run them one by one.
      const elapsedMs = performance.now() - started;
      if (err instanceof InputError) return { results: paramSets.map(() => err), elapsedMs };
      const reason =
        part.aborted ? `the batch part of ${paramSets.length} trials outlived ${timeoutMs} ms`
        : (err as NodeJS.ErrnoException).code === 'ERR_WORKER_OUT_OF_MEMORY' ? `its thread exceeded ${limit}`
        : (err as Error).message;
      return { results: paramSets.map(() => new BatchPartError(reason)), elapsedMs };
    } finally {
      counts.inFlight -= paramSets.length;
    }
  };

  const evaluateMany: ManyTrialsEvaluator = async (spec, paramSets, signal, perTrialTimeoutMs, staged) => {
    if (spec.kind !== 'backtest') throw new InputError(`the backtest thread pool cannot run a ${spec.kind} evaluator.`);
    return runPart(spec, paramSets, signal, perTrialTimeoutMs * paramSets.length, staged);
  };

  return {
    evaluate,
    evaluateMany,
    stats: () => ({ threads: pool.threads.length, queued: pool.queueSize, utilization: pool.utilization, ...counts }),
    close: () => (closing ??= pool.close()),
  };
}

/**
 * Splits the budget between V8's generations: the young one holds short-lived allocations and is collected
 * often, so a sixteenth (4 to 64 MB) is plenty; the old generation gets the rest.
 */
function heapLimits(maxMemoryMb: number): { maxOldGenerationSizeMb: number; maxYoungGenerationSizeMb: number } {
  const young = Math.min(64, Math.max(4, Math.round(maxMemoryMb / 16)));
  return { maxOldGenerationSizeMb: maxMemoryMb - young, maxYoungGenerationSizeMb: young };
}

function addPhases(to: BacktestPhaseMs, from: BacktestPhaseMs): void {
  to.load += from.load;
  to.indicators += from.indicators;
  to.simulation += from.simulation;
  to.statistics += from.statistics;
}

function rebuild(error: ThreadError): Error {
  const err =
    error.kind === 'InvalidParameters' ? new InvalidParametersError(error.message)
    : error.kind === 'Input' ? new InputError(error.message)
    : Object.assign(new Error(error.message), { name: error.name });
  if (error.stack) err.stack = error.stack;
  return err;
}
