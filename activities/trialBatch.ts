import { ApplicationFailure } from '@temporalio/activity';
import type { Params } from '../search/types';
import type { EvaluatorSpec, RetrySpec, TrialBatchOutcome, TrialBatchResult, TrialFailureSummary } from '../types/session';
import type { MetricValues, TrialRecord } from '../types/trial';
import { breaksResultConstraints, failedRecord, objectiveValues, succeededRecord } from './trialRecords';
import { BatchPartError } from '../errors';
import type { BatchTimeStore } from '../store/redis/batchTimes';
import type { ResultCache } from '../store/redis/resultCache';
import { trialCacheKey } from '../store/resultCacheKey';
import type { ManyTrialsEvaluator, TrialEvaluator, TrialInput } from '../evaluators/index';
import { toActivityFailure } from './failures';
import type { TrialTelemetry } from './telemetry';
import { noBacktestPhases, PhaseTally } from '../evaluators/phases';
import type { TrialStore } from '../store/trialStore';
import type { WorkerStatsStore } from '../store/redis/workerStats';

/** What a batch activity receives: the trials and the policy each of them keeps on its own. */
export interface TrialBatchInput {
  sessionId: string;
  trials: Array<{ trialId: number; params: Params }>;
  evaluator: EvaluatorSpec;
  objective: TrialInput['objective'];
  objectives?: TrialInput['objectives'];
  minTrades?: number;
  resultConstraints?: TrialInput['resultConstraints'];
  /** Each trial's own limit per attempt and its own retries, as a single-trial activity would have. */
  trial: { timeoutMs: number; retry: RetrySpec };
  /** Trials stored as failed are evaluated again (`tuneflow retry-failed`); only stored successes answer for themselves. */
  rerunFailed?: boolean;
}

export interface TrialBatchDeps {
  store: TrialStore;
  stats: WorkerStatsStore;
  times: BatchTimeStore;
  telemetry?: TrialTelemetry;
  workerId: string;
  evaluate: TrialEvaluator;
  /** Built-in backtests of several trials on shared indicators; absent: every trial runs alone. */
  evaluateMany?: ManyTrialsEvaluator;
  /** Parts a batch of built-in backtests is cut into (a few per thread, so results are stored as they come). */
  parts: number;
  /** Trials of one batch that run at once when they run alone (external commands, retries). */
  concurrency: number;
  /** Where sessions with `cache:` look up and keep their backtests' results; absent: none is used. */
  cache?: ResultCache;
}

export interface BatchContext {
  signal: AbortSignal;
  /** Called with the number of trials settled so far; the activity heartbeats it. */
  progress(settled: number): void;
}

type Trial = TrialBatchInput['trials'][number];

/** A settled trial: its record (written to the store) and what the workflow learns of it. */
interface Settled {
  record: TrialRecord;
  outcome: TrialBatchOutcome;
}

/**
 * Runs a batch of trials with single-trial semantics: each has its own timeout, its own retries with backoff
 * and its own record; one invalid, crashing or hanging trial never fails its neighbours. Records are stored as
 * parts of the batch finish, and a trial already in the store (a batch retried after its worker died) is not
 * evaluated again: its stored record answers for it. In a session with `cache:`, a trial whose backtest ran
 * before (in any session) takes its metrics from the result cache, and what runs here is kept there. Where
 * the evaluated trials' time went is returned, and added to the session's times in the store.
 */
export async function runTrialBatch(deps: TrialBatchDeps, input: TrialBatchInput, ctx: BatchContext): Promise<TrialBatchResult> {
  const started = performance.now();
  const tally = new PhaseTally();
  const stored = await deps.store.getTrials(input.sessionId, input.trials.map((t) => t.trialId));
  if (input.rerunFailed) for (const [id, record] of stored) if (record.status !== 'succeeded') stored.delete(id);
  const outcomes = new Map<number, TrialBatchOutcome>();
  for (const [id, record] of stored) outcomes.set(id, outcomeOf(record, input));
  const pending = input.trials.filter((t) => !stored.has(t.trialId));
  const cache = cacheOf(deps, input, pending);
  const hits: Settled[] = [];
  let evaluating = pending;
  if (cache) {
    const looking = performance.now();
    const found = await cache.store.lookUp(pending.map((t) => cache.keys.get(t.trialId) as string));
    evaluating = pending.filter((_, i) => found[i] === null);
    const hitCount = pending.length - evaluating.length;
    if (hitCount > 0) {
      const lookUpMs = performance.now() - looking;
      tally.evaluated(lookUpMs);
      pending.forEach((trial, i) => {
        const metrics = found[i];
        if (metrics) hits.push(cachedResult(input, trial, metrics, deps.workerId, lookUpMs / hitCount));
      });
    }
  }
  const totals = { running: pending.length, done: 0, failed: 0, retried: 0, busyMs: 0 };
  await deps.stats.trialStarted(deps.workerId, pending.length);

  const write = async (settled: Settled[]): Promise<void> => {
    const writing = performance.now();
    const records = settled.map((s) => s.record);
    await deps.store.putTrials(records);
    if (cache) await cache.store.store(freshResults(records, cache.keys), cache.maxEntries);
    tally.stored(performance.now() - writing);
    deps.telemetry?.trialsSettled(records);
    for (const { record, outcome } of settled) {
      outcomes.set(record.trialId, outcome);
      totals[record.status === 'succeeded' ? 'done' : 'failed'] += 1;
      if (record.attempt > 1) totals.retried += 1;
      totals.busyMs += record.durationMs;
    }
    ctx.progress(outcomes.size);
  };
  const records = new RecordWriter(write);
  const alone = limiter(deps.concurrency);
  const runAlone = (trial: Trial, first: Error | null, firstMs: number) => alone(() => settleAlone(deps, input, trial, ctx.signal, tally, first, firstMs)).then((s) => records.add([s]));

  try {
    if (hits.length > 0) records.add(hits);
    const many = input.evaluator.kind === 'backtest' ? deps.evaluateMany : undefined;
    if (many && input.evaluator.kind === 'backtest' && evaluating.length > 1) {
      const spec = input.evaluator;
      const size = Math.max(1, Math.ceil(evaluating.length / Math.max(1, deps.parts)));
      const parts: Trial[][] = [];
      for (let i = 0; i < evaluating.length; i += size) parts.push(evaluating.slice(i, i + size));
      await Promise.all(
        parts.map(async (part) => {
          const { results, elapsedMs, phases } = await many(spec, part.map((t) => t.params), ctx.signal, input.trial.timeoutMs);
          // A part that failed as a whole runs its trials again alone, and only those runs are their time.
          if (!results.every((r) => r instanceof BatchPartError)) tally.evaluated(elapsedMs, phases);
          const each = elapsedMs / part.length;
          const now: Settled[] = [];
          const later: Array<Promise<void>> = [];
          part.forEach((trial, i) => {
            const result = results[i] as MetricValues | Error;
            if (!(result instanceof Error)) now.push(succeeded(input, trial, result, 1, deps.workerId, each));
            else if (result instanceof BatchPartError) later.push(runAlone(trial, null, 0));
            else if (isPermanent(result) || input.trial.retry.maximumAttempts <= 1) now.push(failed(input, trial, result, 1, deps.workerId, each));
            else later.push(runAlone(trial, result, each));
          });
          records.add(now);
          await Promise.all(later);
        }),
      );
    } else {
      await Promise.all(evaluating.map((trial) => runAlone(trial, null, 0)));
    }
    await records.flush();
  } finally {
    const phaseMs = tally.rounded();
    const settledHere = totals.done + totals.failed;
    const ids = input.trials.map((t) => t.trialId);
    await Promise.all([
      deps.stats.trialsFinished(deps.workerId, input.sessionId, totals),
      settledHere > 0
        ? deps.times.record(input.sessionId, {
            firstTrialId: Math.min(...ids), lastTrialId: Math.max(...ids), trials: settledHere, workerId: deps.workerId, finishedAt: Date.now(),
            wallMs: Math.round((performance.now() - started) * 1000) / 1000, phases: phaseMs,
          })
        : undefined,
    ]);
    deps.telemetry?.batchFinished(input.trials.length, phaseMs);
  }
  return {
    outcomes: input.trials.map((t) => outcomes.get(t.trialId) as TrialBatchOutcome),
    evaluated: pending.length,
    elapsedMs: performance.now() - started,
    phaseMs: tally.rounded(),
  };
}

/**
 * One trial on its own, from attempt 1 (or from attempt 2 when `first` is the error of an attempt made in a
 * batch part), until it succeeds, fails permanently or runs out of attempts. Waits between attempts follow
 * the trial's retry policy, as Temporal would space the attempts of a single-trial activity.
 */
async function settleAlone(
  deps: TrialBatchDeps,
  input: TrialBatchInput,
  trial: Trial,
  signal: AbortSignal,
  tally: PhaseTally,
  first: Error | null,
  firstMs: number,
): Promise<Settled> {
  const { retry, timeoutMs } = input.trial;
  let attempt = first ? 1 : 0;
  let last = first;
  let busy = firstMs;
  for (;;) {
    if (last) {
      if (isPermanent(last) || attempt >= retry.maximumAttempts) return failed(input, trial, last, attempt, deps.workerId, busy);
      await sleep(backoff(retry, attempt), signal);
    }
    attempt += 1;
    const limit = AbortSignal.timeout(timeoutMs);
    const phases = noBacktestPhases();
    const t0 = performance.now();
    const spent = () => {
      const ms = performance.now() - t0;
      tally.evaluated(ms, phases);
      return ms;
    };
    try {
      const metrics = await deps.evaluate(
        { sessionId: input.sessionId, trialId: trial.trialId, params: trial.params, evaluator: input.evaluator, objective: input.objective, minTrades: input.minTrades, attempt },
        AbortSignal.any([signal, limit]),
        phases,
      );
      busy += spent();
      return succeeded(input, trial, metrics, attempt, deps.workerId, busy);
    } catch (err) {
      busy += spent();
      if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : err;
      last = limit.aborted ? new TrialTimeoutError(`attempt ${attempt} outlived trial.timeout (${timeoutMs} ms)`) : err instanceof Error ? err : new Error(String(err));
    }
  }
}

/** How long a settled trial may wait to be written with others: what a worker lost mid-batch can lose. */
const WRITE_EVERY_MS = 100;

/**
 * Writes settled trials in groups: whatever settles within WRITE_EVERY_MS goes to the store in one round
 * trip, so a batch of quick trials costs a few writes, and a worker lost mid-batch loses at most that much
 * finished work per slot; a slow trial is written as soon as it ends.
 */
class RecordWriter {
  private buffer: Settled[] = [];
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly write: (settled: Settled[]) => Promise<void>) {}

  add(settled: Settled[]): void {
    this.buffer.push(...settled);
    // A trial that took longer than the wait is worth its own round trip: holding it could only lose it.
    if (settled.some((s) => s.record.durationMs >= WRITE_EVERY_MS)) void this.flush().catch(() => undefined);
    else this.timer ??= setTimeout(() => void this.flush().catch(() => undefined), WRITE_EVERY_MS);
  }

  /** Writes what is buffered, after the writes before it; rejects with the first failed write. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const taken = this.buffer;
    this.buffer = [];
    this.writing = this.writing.then(() => (taken.length > 0 ? this.write(taken) : undefined));
    return this.writing;
  }
}

/** An attempt that outlived `trial.timeout`: retried like a single-trial activity's start-to-close timeout. */
class TrialTimeoutError extends Error {
  override name = 'TrialTimeout';
}

/** The wait before attempt `attempt + 1`: Temporal's exponential backoff with the trial's retry policy. */
function backoff(retry: RetrySpec, attempt: number): number {
  return Math.min(retry.maximumIntervalMs, retry.initialIntervalMs * retry.backoffCoefficient ** (attempt - 1));
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Runs at most `n` of the functions handed to it at once. */
function limiter(n: number): <T>(fn: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: Array<() => void> = [];
  return async (fn) => {
    while (active >= n) await new Promise<void>((resolve) => waiting.push(resolve));
    active += 1;
    try {
      return await fn();
    } finally {
      active -= 1;
      waiting.shift()?.();
    }
  };
}

/** The failure type and message a trial's error is recorded with, and whether another attempt could help. */
function classify(err: Error): TrialFailureSummary & { permanent: boolean } {
  const failure = toActivityFailure(err);
  if (failure instanceof ApplicationFailure && failure.nonRetryable) return { type: failure.type ?? 'Error', message: failure.message, permanent: true };
  return { type: err.name, message: err.message, permanent: false };
}

function isPermanent(err: Error): boolean {
  return classify(err).permanent;
}

function succeeded(input: TrialBatchInput, trial: Trial, metrics: MetricValues, attempt: number, workerId: string, durationMs: number): Settled {
  const record = succeededRecord({ ...input, ...trial }, metrics, attempt, workerId, durationMs);
  return { record, outcome: successOutcome(record, input) };
}

/** The result cache and each pending trial's key, when the session uses the cache (see trialCacheKey). */
function cacheOf(deps: TrialBatchDeps, input: TrialBatchInput, pending: Trial[]): { store: ResultCache; keys: Map<number, string>; maxEntries: number } | null {
  const spec = input.evaluator;
  if (!deps.cache || spec.kind !== 'backtest' || !spec.cache || pending.length === 0) return null;
  const keys = new Map<number, string>();
  for (const t of pending) {
    const key = trialCacheKey(spec, t.params);
    if (key === null) return null;
    keys.set(t.trialId, key);
  }
  return { store: deps.cache, keys, maxEntries: spec.cache.maxEntries };
}

/** The results a batch computed itself (not failures, not cache hits), to be kept in the cache. */
function freshResults(records: TrialRecord[], keys: Map<number, string>): Array<{ key: string; metrics: MetricValues }> {
  return records.filter((r) => r.status === 'succeeded' && !r.cached && keys.has(r.trialId)).map((r) => ({ key: keys.get(r.trialId) as string, metrics: r.metrics }));
}

function cachedResult(input: TrialBatchInput, trial: Trial, metrics: MetricValues, workerId: string, durationMs: number): Settled {
  const record: TrialRecord = { ...succeededRecord({ ...input, ...trial }, metrics, 1, workerId, durationMs), cached: true };
  return { record, outcome: successOutcome(record, input) };
}

/** A succeeded trial's outcome; with several objectives, a ranked one carries all their values. */
function successOutcome(record: TrialRecord, input: TrialBatchInput): TrialBatchOutcome {
  const values = objectiveValues(record, input.objectives);
  const infeasible = breaksResultConstraints({ ...input, trialId: record.trialId, params: record.params }, record);
  return { trialId: record.trialId, objective: record.objective, attempts: record.attempt, ...(values ? { objectives: values } : {}), ...(infeasible ? { infeasible } : {}) };
}

function failed(input: TrialBatchInput, trial: Trial, err: Error, attempt: number, workerId: string, durationMs: number): Settled {
  const { type, message } = classify(err);
  const record = failedRecord({ sessionId: input.sessionId, ...trial }, attempt, workerId, `${type}: ${message}`, durationMs);
  return { record, outcome: { trialId: trial.trialId, objective: null, attempts: attempt, failure: { type, message } } };
}

/** What the workflow learns of a trial stored by an earlier attempt of the batch. */
function outcomeOf(record: TrialRecord, input: TrialBatchInput): TrialBatchOutcome {
  if (record.status === 'succeeded') return successOutcome(record, input);
  const text = record.error ?? 'Error: failed';
  const at = text.indexOf(': ');
  const failure = at > 0 ? { type: text.slice(0, at), message: text.slice(at + 2) } : { type: 'Error', message: text };
  return { trialId: record.trialId, objective: null, attempts: record.attempt, failure };
}
