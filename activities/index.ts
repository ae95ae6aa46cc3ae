import { Context } from '@temporalio/activity';
import type { Params } from '../search/types';
import type { HoldoutResult, SessionSpec, TrialBatchResult, TrialOutcome } from '../types/session';
import type { TrialRecord } from '../types/trial';
import type { RedisClient } from '../store/redis/client';
import { aggregate, type AggregateInput, type AggregateResult } from './aggregate';
import { aggregateInThread } from './aggregationThread';
import { BatchTimeStore } from '../store/redis/batchTimes';
import { failFast, toActivityFailure } from './failures';
import type { ManyTrialsEvaluator, TrialEvaluator, TrialInput } from '../evaluators/index';
import type { TrialTelemetry } from './telemetry';
import { PruningReports } from '../store/redis/pruningReports';
import { ResultCache } from '../store/redis/resultCache';
import { trialCacheKey } from '../store/resultCacheKey';
import { runTrialBatch, type TrialBatchInput } from './trialBatch';
import { noBacktestPhases, PhaseTally } from '../evaluators/phases';
import { WorkerStatsStore } from '../store/redis/workerStats';
import { breaksResultConstraints, failedRecord, objectiveValues, succeededRecord } from './trialRecords';
import { RedisTrialStore } from '../store/redis/trialStore';
import { readWarmStart, type WarmStart } from './warmStart';
import {
  aggregateWalkForward, evaluateHoldout, evaluateSplitCandidates, splitSessionIds, type EvaluateSplitInput, type WalkForwardAggregateInput, type WalkForwardAggregateResult,
} from './walkForward';

export interface ActivityDeps {
  redis: RedisClient;
  workerId: string;
  /** Versions written into run.json. */
  versions: Record<string, string>;
  /** How trials are evaluated (the worker's thread pool and command runner, or a test's evaluator). */
  evaluate: TrialEvaluator;
  /** Built-in backtests of a batch on shared indicators (the thread pool); without it each trial runs alone. */
  evaluateMany?: ManyTrialsEvaluator;
  /** The pool's threads: a batch of built-in backtests is cut into a few parts per thread. Default 1. */
  threads?: number;
  /** Trials of one batch run at once when they run alone (commands, retries). Default 2. */
  concurrency?: number;
  /** The trial store's URL: aggregation then runs in a thread of its own with a bounded heap. */
  redisUrl?: string;
  /** The worker's metrics, when it serves them. */
  telemetry?: TrialTelemetry;
}

/** The session's activities, bound to their dependencies (Redis, the evaluator, the worker's identity). */
export function createActivities(deps: ActivityDeps) {
  const store = new RedisTrialStore(deps.redis);
  const stats = new WorkerStatsStore(deps.redis);
  const times = new BatchTimeStore(deps.redis);
  const cache = new ResultCache(deps.redis);
  const reports = new PruningReports(deps.redis);
  const { evaluate, telemetry } = deps;

  /** A single-trial activity's time, as a batch of one. */
  const trialTimed = async (input: TrialInput, tally: PhaseTally, started: number): Promise<void> => {
    const phases = tally.rounded();
    const wallMs = Math.round((performance.now() - started) * 1000) / 1000;
    await times.record(input.sessionId, { firstTrialId: input.trialId, lastTrialId: input.trialId, trials: 1, workerId: deps.workerId, finishedAt: Date.now(), wallMs, phases });
    telemetry?.batchFinished(1, phases);
  };

  return {
    /** Records the session in the store, so `status` and `results` find it while it runs. */
    beginSession: failFast(async (input: { spec: SessionSpec; startedAt: number }): Promise<void> => {
      const existing = await store.getMeta(input.spec.sessionId);
      if (!existing) await store.putMeta({ sessionId: input.spec.sessionId, startedAt: input.startedAt, spec: input.spec });
    }),

    /** Runs one trial, stores its full result, and returns the few numbers the workflow needs. */
    async evaluateTrial(input: TrialInput): Promise<TrialOutcome> {
      const ctx = Context.current();
      const attempt = ctx.info.attempt;
      const started = performance.now();
      // A trial lost with its worker is retried elsewhere once heartbeats stop; a live one keeps beating, also
      // while it waits for Redis, so a trial store outage delays the attempt instead of timing it out.
      const beat = setInterval(() => ctx.heartbeat(), Math.max(1000, (ctx.info.heartbeatTimeoutMs ?? 30_000) / 3));
      const tally = new PhaseTally();
      const phases = noBacktestPhases();
      const put = async (record: TrialRecord) => {
        const writing = performance.now();
        await store.putTrial(record);
        tally.stored(performance.now() - writing);
      };
      try {
        await stats.trialStarted(deps.workerId);
        const cacheKey = trialCacheKey(input.evaluator, input.params);
        const hit = cacheKey === null ? null : (await cache.lookUp([cacheKey]))[0];
        const cached = hit !== null;
        let metrics;
        try {
          metrics = hit ?? (await evaluate(input, ctx.cancellationSignal, phases));
        } catch (err) {
          const durationMs = performance.now() - started;
          tally.evaluated(durationMs, phases);
          await stats.trialFinished(deps.workerId, input.sessionId, { failed: true, attempt, durationMs });
          // Each failed attempt is stored, so the record shows how many attempts a trial took even when the
          // workflow only learns that it finally failed; a later success overwrites it.
          const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
          await put(failedRecord(input, attempt, deps.workerId, message, durationMs));
          await trialTimed(input, tally, started);
          throw toActivityFailure(err);
        }
        const durationMs = performance.now() - started;
        tally.evaluated(durationMs, phases);
        const record: TrialRecord = { ...succeededRecord(input, metrics, attempt, deps.workerId, durationMs), ...(cached ? { cached: true as const } : {}) };
        await put(record);
        if (cacheKey !== null && !cached && input.evaluator.kind === 'backtest' && input.evaluator.cache) {
          await cache.store([{ key: cacheKey, metrics }], input.evaluator.cache.maxEntries);
        }
        telemetry?.trialsSettled([record]);
        await Promise.all([stats.trialFinished(deps.workerId, input.sessionId, { failed: false, attempt, durationMs }), trialTimed(input, tally, started)]);
        const values = objectiveValues(record, input.objectives);
        const infeasible = breaksResultConstraints(input, record);
        return { trialId: input.trialId, objective: record.objective, ...(values ? { objectives: values } : {}), ...(infeasible ? { infeasible } : {}), attempt, workerId: deps.workerId, durationMs };
      } finally {
        clearInterval(beat);
      }
    },

    /**
     * Runs a batch of trials, each with its own timeout, retries and record (see runTrialBatch), and
     * heartbeats how many are settled. Fails only for what is not any one trial's: an outage, cancellation.
     */
    async evaluateTrials(input: TrialBatchInput): Promise<TrialBatchResult> {
      const ctx = Context.current();
      let settled = 0;
      const beat = setInterval(() => ctx.heartbeat({ settled }), Math.max(1000, (ctx.info.heartbeatTimeoutMs ?? 30_000) / 3));
      try {
        return await runTrialBatch(
          {
            store,
            stats,
            times,
            telemetry,
            workerId: deps.workerId,
            evaluate,
            evaluateMany: deps.evaluateMany,
            parts: BATCH_PARTS_PER_THREAD * (deps.threads ?? 1),
            concurrency: deps.concurrency ?? 2,
            cache,
            reports,
          },
          input,
          { signal: ctx.cancellationSignal, progress: (n) => (settled = n) },
        );
      } catch (err) {
        throw toActivityFailure(err);
      } finally {
        clearInterval(beat);
      }
    },

    /** Stores trials that finally failed together (their batch failed as a whole, permanently). */
    recordTrialFailures: failFast(async (input: { sessionId: string; trials: Array<{ trialId: number; params: Params }>; error: string }): Promise<void> => {
      const stored = await store.getTrials(input.sessionId, input.trials.map((t) => t.trialId));
      const missing = input.trials.filter((t) => !stored.has(t.trialId));
      const records = missing.map((t) => failedRecord({ sessionId: input.sessionId, ...t }, 1, '', input.error, 0));
      await store.putTrials(records);
      telemetry?.trialsSettled(records);
    }),

    /** Stores a trial that finally failed (non-retryable, or out of attempts or time). */
    recordTrialFailure: failFast(async (input: { sessionId: string; trialId: number; params: Params; error: string; attempts: number }): Promise<void> => {
      const previous = await store.getTrial(input.sessionId, input.trialId);
      if (previous?.status === 'succeeded') return;
      const attempt = Math.max(previous?.attempt ?? 0, input.attempts);
      const record = failedRecord(input, attempt, previous?.workerId ?? '', input.error, previous?.durationMs ?? 0);
      await store.putTrial(record);
      telemetry?.trialsSettled([record]);
    }),

    /** A page of the trials of a session that finally failed, for `tuneflow retry-failed`; one pass over the store in all. */
    failedTrials: keepBeating(async (input: { sessionId: string; after: number; limit: number }): Promise<{ trials: Array<{ trialId: number; params: Params }>; next: number | null }> => {
      const page = await store.failedTrials(input.sessionId, input.after, input.limit);
      return { trials: page.trials.map((t) => ({ trialId: t.trialId, params: t.params })), next: page.next };
    }),

    /**
     * The best trials of an earlier session, scored as this session scores trials, that seed its sampler
     * (`search.warm_start`); the note of what was taken goes into this session's meta, for its outputs.
     */
    warmStartTrials: keepBeating(async (input: { spec: SessionSpec }): Promise<WarmStart> => {
      const warm = await readWarmStart(store, input.spec);
      await store.updateMeta(input.spec.sessionId, { warmStart: warm.note });
      return warm;
    }),

    /** Backtests a walk-forward split's in-sample leaders on its training and test windows; the result goes to the store. */
    evaluateSplit: keepBeating(async (input: EvaluateSplitInput): Promise<void> => {
      const result = evaluateSplitCandidates(input);
      await store.updateMeta(input.spec.sessionId, { finishedAt: Date.now(), status: 'completed', result });
    }),

    /**
     * Backtests a walk-forward session's recommended set once on its holdout bars, after every split has
     * finished, and keeps the result in the store so regenerated outputs report it too.
     */
    evaluateHoldout: keepBeating(async (input: Pick<WalkForwardAggregateInput, 'spec' | 'splits'>): Promise<HoldoutResult | null> => {
      const holdout = await evaluateHoldout(store, input);
      if (holdout) await store.updateMeta(input.spec.sessionId, { holdout });
      return holdout;
    }),

    /** Writes a walk-forward session's outputs from its splits' results. */
    aggregateWalkForward: keepBeating(async (input: WalkForwardAggregateInput): Promise<WalkForwardAggregateResult> => {
      const result = await aggregateWalkForward(store, input, { ...deps.versions }, await times.readMany(splitSessionIds(input.spec)));
      await store.updateMeta(input.spec.sessionId, { finishedAt: Date.now(), status: input.failures.length > 0 ? 'completed_with_failures' : 'completed' });
      return result;
    }),

    /** Writes the session's output files from the trial store. */
    aggregateSession: keepBeating(async (input: AggregateInput): Promise<AggregateResult> => {
      const ctx = Context.current();
      const workers = await stats.sessionTotals(input.spec.sessionId);
      const sessionTimes = await times.read(input.spec.sessionId);
      const result = deps.redisUrl
        ? await aggregateInThread({ redisUrl: deps.redisUrl, input, versions: { ...deps.versions }, statistics: { workers, times: sessionTimes } })
        : await aggregate(store, input, { ...deps.versions }, { workers, times: sessionTimes }, () => ctx.heartbeat());
      await store.updateMeta(input.spec.sessionId, { finishedAt: Date.now(), status: input.counts.failed > 0 ? 'completed_with_failures' : 'completed' });
      return result;
    }),
  };
}

export type Activities = ReturnType<typeof createActivities>;

/**
 * Parts per pool thread a batch of built-in backtests is cut into: each part's records are stored as it
 * finishes, so a worker lost mid-batch loses at most the parts it was running.
 */
const BATCH_PARTS_PER_THREAD = 4;

/** How often a long activity heartbeats; its heartbeat timeout (a minute) is several times this. */
const HEARTBEAT_EVERY_MS = 10_000;

/**
 * `failFast(fn)` heartbeating while it runs, so that an attempt lost with its worker is retried within the
 * activity's heartbeat timeout instead of its start-to-close timeout.
 */
function keepBeating<A extends unknown[], R>(fn: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  const run = failFast(fn);
  return async (...args) => {
    const ctx = Context.current();
    const timer = setInterval(() => ctx.heartbeat(), HEARTBEAT_EVERY_MS);
    try {
      return await run(...args);
    } finally {
      clearInterval(timer);
    }
  };
}
