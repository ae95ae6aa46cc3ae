import { Context } from '@temporalio/activity';
import type { Params } from '../search/types';
import type { SessionSpec, TrialOutcome } from '../types/session';
import type { TrialRecord } from '../types/trial';
import { ClusterSafeTrialStore } from './clusterSafeTrialStore';
import type { RedisClient } from './redisClient';
import { aggregate, type AggregateInput, type AggregateResult } from './aggregate';
import { failFast, toActivityFailure } from './failures';
import type { TrialEvaluator, TrialInput } from './evaluators';
import { WorkerStatsStore } from './workerStats';
import { aggregateWalkForward, evaluateSplitCandidates, type EvaluateSplitInput, type WalkForwardAggregateInput, type WalkForwardAggregateResult } from './walkForward';

export interface ActivityDeps {
  redis: RedisClient;
  workerId: string;
  /** Versions written into run.json. */
  versions: Record<string, string>;
  /** How trials are evaluated (the worker's thread pool and command runner, or a test's evaluator). */
  evaluate: TrialEvaluator;
}

/** The session's activities, bound to their dependencies (Redis, the evaluator, the worker's identity). */
export function createActivities(deps: ActivityDeps) {
  const store = new ClusterSafeTrialStore(deps.redis);
  const stats = new WorkerStatsStore(deps.redis);
  const { evaluate } = deps;

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
      try {
        await stats.trialStarted(deps.workerId);
        let metrics;
        try {
          metrics = await evaluate(input, ctx.cancellationSignal);
        } catch (err) {
          await stats.trialFinished(deps.workerId, input.sessionId, { failed: true, attempt, durationMs: performance.now() - started });
          // Each failed attempt is stored, so the record shows how many attempts a trial took even when the
          // workflow only learns that it finally failed; a later success overwrites it.
          const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
          await store.putTrial(failedRecord(input, attempt, deps.workerId, message, performance.now() - started));
          throw toActivityFailure(err);
        }
        const value = metrics[input.objective.metric];
        const trades = metrics.trades;
        const tooFewTrades = !!input.minTrades && typeof trades === 'number' && trades < input.minTrades;
        const finite = typeof value === 'number' && Number.isFinite(value);
        const objective = finite && !tooFewTrades ? value : null;
        const durationMs = performance.now() - started;
        const record: TrialRecord = {
          sessionId: input.sessionId,
          trialId: input.trialId,
          params: input.params,
          status: 'succeeded',
          metrics,
          objective,
          attempt,
          workerId: deps.workerId,
          durationMs,
          finishedAt: new Date().toISOString(),
          ...(tooFewTrades
            ? { note: `not ranked: ${trades} trades < min_trades ${input.minTrades}` }
            : !finite
              ? { note: `not ranked: ${input.objective.metric} is ${value === null || value === undefined ? 'undefined' : String(value)} (e.g. no trades, or no variation in returns)` }
              : {}),
        };
        await store.putTrial(record);
        await stats.trialFinished(deps.workerId, input.sessionId, { failed: false, attempt, durationMs });
        return { trialId: input.trialId, objective, attempt, workerId: deps.workerId, durationMs };
      } finally {
        clearInterval(beat);
      }
    },

    /** Stores a trial that finally failed (non-retryable, or out of attempts or time). */
    recordTrialFailure: failFast(async (input: { sessionId: string; trialId: number; params: Params; error: string; attempts: number }): Promise<void> => {
      const previous = await store.getTrial(input.sessionId, input.trialId);
      if (previous?.status === 'succeeded') return;
      const attempt = Math.max(previous?.attempt ?? 0, input.attempts);
      await store.putTrial({ ...failedRecord(input, attempt, previous?.workerId ?? '', input.error, previous?.durationMs ?? 0) });
    }),

    /** Backtests a walk-forward split's in-sample leaders on its training and test windows; the result goes to the store. */
    evaluateSplit: keepBeating(async (input: EvaluateSplitInput): Promise<void> => {
      const result = evaluateSplitCandidates(input);
      await store.updateMeta(input.spec.sessionId, { finishedAt: Date.now(), status: 'completed', result });
    }),

    /** Writes a walk-forward session's outputs from its splits' results. */
    aggregateWalkForward: keepBeating(async (input: WalkForwardAggregateInput): Promise<WalkForwardAggregateResult> => {
      const result = await aggregateWalkForward(store, input, { ...deps.versions });
      await store.updateMeta(input.spec.sessionId, { finishedAt: Date.now(), status: input.failures.length > 0 ? 'completed_with_failures' : 'completed' });
      return result;
    }),

    /** Writes the session's output files from the trial store. */
    aggregateSession: keepBeating(async (input: AggregateInput): Promise<AggregateResult> => {
      const ctx = Context.current();
      const result = await aggregate(store, input, { ...deps.versions }, await stats.sessionTotals(input.spec.sessionId), () => ctx.heartbeat());
      await store.updateMeta(input.spec.sessionId, { finishedAt: Date.now(), status: input.counts.failed > 0 ? 'completed_with_failures' : 'completed' });
      return result;
    }),
  };
}

export type Activities = ReturnType<typeof createActivities>;

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

function failedRecord(
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
