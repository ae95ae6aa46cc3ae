import { ApplicationFailure } from '@temporalio/activity';
import type { BacktestPhaseMs } from '../backtest';
import { pruningRule, type StageReport } from '../pruning/rules';
import type { StagedEvaluation, TrialStages } from '../pruning/stagedTrials';
import type { Params } from '../search/types';
import type { EvaluatorSpec, PruningSpec, RetrySpec, TrialBatchOutcome, TrialBatchResult, TrialFailureSummary } from '../types/session';
import type { MetricValues, TrialRecord } from '../types/trial';
import { breaksResultConstraints, failedRecord, objectiveValues, prunedRecord, succeededRecord } from './trialRecords';
import { BatchPartError, InputError } from '../errors';
import type { PruningReports } from '../store/redis/pruningReports';
import type { BatchTimeStore } from '../store/redis/batchTimes';
import type { ResultCache } from '../store/redis/resultCache';
import { trialCacheKey } from '../store/resultCacheKey';
import type { ManyTrialsEvaluator, TrialEvaluator, TrialInput } from '../evaluators';
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
  /** Trials run in stages and the rule may stop them (sessions with `pruning`). */
  pruning?: PruningSpec;
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
  /** Where sessions with `pruning` keep their trials' stage reports; needed by them only. */
  reports?: PruningReports;
}

export interface BatchContext {
  signal: AbortSignal;
  /** Called with the number of trials settled so far; the activity heartbeats it. */
  progress(settled: number): void;
}

type Trial = TrialBatchInput['trials'][number];

/** A settled trial: its record (written to the store), what the workflow learns of it, and what it reported (pruning). */
interface Settled {
  record: TrialRecord;
  outcome: TrialBatchOutcome;
  reports?: StageReport[];
}

/** One attempt at a trial on its own: its metrics, and how its stages went when it ran in stages. */
type Attempt = (trial: Trial, attempt: number, signal: AbortSignal, phases: BacktestPhaseMs) => Promise<{ metrics: MetricValues; stages: TrialStages | null }>;

/**
 * Runs a batch of trials with single-trial semantics: each has its own timeout, its own retries with backoff
 * and its own record; one invalid, crashing or hanging trial never fails its neighbours. Records are stored as
 * parts of the batch finish, and a trial already in the store (a batch retried after its worker died) is not
 * evaluated again: its stored record answers for it. In a session with `cache:`, a trial whose backtest ran
 * before (in any session) takes its metrics from the result cache, and what runs here is kept there. In a
 * session with `pruning`, the batch reads the session's stage reports once and runs its trials in stages
 * (each part on its own thread, seeing the reports read plus those of the trials before it in the part); a
 * trial the rule stops is stored as pruned, and the reports are written before the records, so a batch
 * retried after its worker died writes them again over themselves. Where the evaluated trials' time went is
 * returned, and added to the session's times in the store.
 */
export async function runTrialBatch(deps: TrialBatchDeps, input: TrialBatchInput, ctx: BatchContext): Promise<TrialBatchResult> {
  const started = performance.now();
  const tally = new PhaseTally();
  const stored = await deps.store.getTrials(input.sessionId, input.trials.map((t) => t.trialId));
  if (input.rerunFailed) for (const [id, record] of stored) if (record.status === 'failed') stored.delete(id);
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
  const staged = await stagedEvaluation(deps, input, evaluating.length);
  const totals = { running: pending.length, done: 0, failed: 0, retried: 0, busyMs: 0 };
  await deps.stats.trialStarted(deps.workerId, pending.length);

  const write = async (settled: Settled[]): Promise<void> => {
    const writing = performance.now();
    const records = settled.map((s) => s.record);
    if (staged) await deps.reports?.add(input.sessionId, settled.flatMap((s) => (s.reports ?? []).map((r) => ({ ...r, trialId: s.record.trialId }))));
    await deps.store.putTrials(records);
    if (cache) await cache.store.store(freshResults(records, cache.keys), cache.maxEntries);
    tally.stored(performance.now() - writing);
    deps.telemetry?.trialsSettled(records);
    for (const { record, outcome } of settled) {
      outcomes.set(record.trialId, outcome);
      totals[record.status === 'failed' ? 'failed' : 'done'] += 1;
      if (record.attempt > 1) totals.retried += 1;
      totals.busyMs += record.durationMs;
    }
    ctx.progress(outcomes.size);
  };
  const records = new RecordWriter(write);
  const alone = limiter(deps.concurrency);
  const attempt = attemptOf(deps, input, staged);
  const runAlone = (trial: Trial, first: Error | null, firstMs: number) =>
    alone(() => settleAlone(deps, input, trial, attempt, ctx.signal, tally, first, firstMs)).then((s) => records.add([s]));

  try {
    if (hits.length > 0) records.add(hits);
    const many = input.evaluator.kind === 'backtest' ? deps.evaluateMany : undefined;
    // Staged trials always run through the engine's batch evaluator, even one alone: it is what runs stages.
    if (many && input.evaluator.kind === 'backtest' && (evaluating.length > 1 || staged)) {
      const spec = input.evaluator;
      const size = Math.max(1, Math.ceil(evaluating.length / Math.max(1, deps.parts)));
      const parts: Trial[][] = [];
      for (let i = 0; i < evaluating.length; i += size) parts.push(evaluating.slice(i, i + size));
      await Promise.all(
        parts.map(async (part) => {
          const { results, elapsedMs, phases, stages } = await many(spec, part.map((t) => t.params), ctx.signal, input.trial.timeoutMs, staged);
          // A part that failed as a whole runs its trials again alone, and only those runs are their time.
          if (!results.every((r) => r instanceof BatchPartError)) tally.evaluated(elapsedMs, phases);
          const each = elapsedMs / part.length;
          const now: Settled[] = [];
          const later: Array<Promise<void>> = [];
          part.forEach((trial, i) => {
            const result = results[i] as MetricValues | Error;
            if (!(result instanceof Error)) now.push(evaluated(input, trial, result, stages?.[i] ?? null, 1, deps.workerId, each));
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
  attemptTrial: Attempt,
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
      const { metrics, stages } = await attemptTrial(trial, attempt, AbortSignal.any([signal, limit]), phases);
      busy += spent();
      return evaluated(input, trial, metrics, stages, attempt, deps.workerId, busy);
    } catch (err) {
      busy += spent();
      if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : err;
      last = limit.aborted ? new TrialTimeoutError(`attempt ${attempt} outlived trial.timeout (${timeoutMs} ms)`) : err instanceof Error ? err : new Error(String(err));
    }
  }
}

/**
 * How a trial runs on its own: through the worker's evaluator, or for staged trials through the engine's batch
 * evaluator with a part of one, so that its stages run and are judged as in a batch.
 */
function attemptOf(deps: TrialBatchDeps, input: TrialBatchInput, staged: StagedEvaluation | undefined): Attempt {
  const many = deps.evaluateMany;
  if (staged && many && input.evaluator.kind === 'backtest') {
    const spec = input.evaluator;
    return async (trial, _attempt, signal, phases) => {
      const run = await many(spec, [trial.params], signal, input.trial.timeoutMs, staged);
      if (run.phases) for (const phase of ['load', 'indicators', 'simulation', 'statistics'] as const) phases[phase] += run.phases[phase];
      const result = run.results[0];
      if (result instanceof Error) throw result;
      return { metrics: result, stages: run.stages?.[0] ?? null };
    };
  }
  return async (trial, attempt, signal, phases) => ({
    metrics: await deps.evaluate(
      { sessionId: input.sessionId, trialId: trial.trialId, params: trial.params, evaluator: input.evaluator, objective: input.objective, minTrades: input.minTrades, attempt },
      signal,
      phases,
    ),
    stages: null,
  });
}

/**
 * What a session with pruning evaluates with: its rule and the reports this batch reads once, with room for
 * `added` reports of its own per checkpoint. Undefined for other sessions, or with nothing to evaluate.
 * @throws InputError when the worker cannot run stages (a test's or embedder's own evaluator).
 */
async function stagedEvaluation(deps: TrialBatchDeps, input: TrialBatchInput, added: number): Promise<StagedEvaluation | undefined> {
  if (!input.pruning || input.evaluator.kind !== 'backtest' || added === 0) return undefined;
  if (!deps.evaluateMany || !deps.reports) {
    throw new InputError(`session ${input.sessionId} prunes its trials, which needs the built-in engine's batch evaluator; this worker evaluates trials with an evaluator of its own.`);
  }
  const rule = pruningRule(input.pruning, input.objective);
  return { pruning: input.pruning, objective: input.objective, reports: await deps.reports.read(input.sessionId, rule, added) };
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

/** A trial that ran: a success, or with stages a success or a pruned trial, with what it reported. */
function evaluated(input: TrialBatchInput, trial: Trial, metrics: MetricValues, stages: TrialStages | null, attempt: number, workerId: string, durationMs: number): Settled {
  const record = stages?.pruned
    ? prunedRecord({ sessionId: input.sessionId, ...trial }, metrics, stages.pruned, attempt, workerId, durationMs)
    : succeededRecord({ ...input, ...trial }, metrics, attempt, workerId, durationMs);
  return { record, outcome: successOutcome(record, input), ...(stages ? { reports: stages.reports } : {}) };
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

/** A succeeded or pruned trial's outcome; with several objectives, a ranked one carries all their values. */
function successOutcome(record: TrialRecord, input: TrialBatchInput): TrialBatchOutcome {
  if (record.status === 'pruned') return { trialId: record.trialId, objective: null, attempts: record.attempt, pruned: true };
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
  if (record.status !== 'failed') return successOutcome(record, input);
  const text = record.error ?? 'Error: failed';
  const at = text.indexOf(': ');
  const failure = at > 0 ? { type: text.slice(0, at), message: text.slice(at + 2) } : { type: 'Error', message: text };
  return { trialId: record.trialId, objective: null, attempts: record.attempt, failure };
}
