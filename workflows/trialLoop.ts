import {
  type ActivityOptions,
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  condition,
  defineQuery,
  isCancellation,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { RetryState } from '@temporalio/common';
import type { Activities } from '../activities';
import { LIMITS } from '../config/bounds';
import { formatDuration } from '../config/duration';
import { createSampler, restoreSampler } from '../search';
import type { Sampler, SamplerState, Suggestion } from '../search/types';
import { finishedTrials, type ExtendRequest, type LeaderboardEntry, type SessionCounts, type SessionProgress, type SessionSpec, type TrialBatchOutcome, type TrialBatchResult, type TrialFailureSummary, type TrialIssue } from '../types/session';
import { Leaderboard } from './leaderboard';
import { extendUpdate, pauseUpdate, resumeUpdate, stopUpdate, type ControlState } from './control';
import { TuneBestScore, TuneBudget, TuneState, TuneTrialsDone } from './searchAttributes';

/** What one run of a session hands to the next through continue-as-new: plain, bounded JSON. */
export interface SessionCarry {
  sampler: SamplerState;
  leaderboard: LeaderboardEntry[];
  counts: SessionCounts;
  /** Epoch ms after which no new trial starts; null for no deadline. */
  deadline: number | null;
  startedAt: number;
  runs: number;
  /** Measured wall time per trial of recent batches (ms), for sizing `auto` batches; absent before any. */
  perTrialMs?: number | null;
  /** Recent failed and retried trials (batched sessions). */
  issues?: TrialIssue[];
  /** Live control (absent until the session is first steered; the budget travels in the sampler's state). */
  control?: { paused: boolean; stopping: boolean; budgetAtStart: number };
}

export interface LoopOptions {
  /** Epoch ms that overrides the session's own deadline, so walk-forward splits share their parent's. */
  deadline?: number | null;
  /** Where trials come from instead of the session's search (the failed trials `retry-failed` runs again). */
  sampler?: Sampler;
  /** Trials stored as failed are evaluated again rather than answered from the store. */
  rerunFailed?: boolean;
  /** The budget progress shows when the sampler's is not the session's (a retry's list is part of the session). */
  shownBudget?: number;
}

/** Why a run of the loop ended: budget or space used up, deadline, `tuneflow stop`, or time for continue-as-new. */
export type LoopStop = 'complete' | 'deadline' | 'stopped' | 'continue';

/**
 * Error types that recur on every attempt: bad input or configuration (a missing file or module, output that
 * cannot be written), invalid parameters, an evaluator's unusable output. Every retry policy of a session names them; only infrastructure errors retry.
 */
export const PERMANENT_ERRORS = ['InvalidParameters', 'InvalidConfig', 'InvalidTrialOutput'];

export const progressQuery = defineQuery<SessionProgress>('progress');
/** The latest trials that failed or needed retries, newest last (batched sessions). */
export const trialIssuesQuery = defineQuery<TrialIssue[]>('trialIssues');
/** The best trials so far, best first (at most LEADERBOARD_SIZE, or `output.top_n` when larger). */
export const leaderboardQuery = defineQuery<LeaderboardEntry[]>('leaderboard');

/** Rows kept on the leaderboard that travels with the workflow; the trial store keeps every trial. */
const LEADERBOARD_SIZE = 20;
/** Failed or retried trials the workflow remembers for its query and the Web UI; the trial store keeps all. */
const ISSUES_KEPT = 50;
/** Trials per activity at most. */
const MAX_BATCH = LIMITS.maxBatch;
/** Trial activities in flight at most: `auto` batches grow to keep below it. */
const MAX_ACTIVITIES = LIMITS.maxActivitiesInFlight;
/** Trials in the batch an `auto` session times first (see probing). */
const AUTO_FIRST_BATCH = 16;
/** Weight of the newest batch in the measured time per trial. */
const PER_TRIAL_SMOOTHING = 0.3;
/**
 * Attempts of a batch activity (a lost worker, an outage that outlasts it) before its trials run one per
 * activity: a trial that kills every worker it runs on then fails alone, after its own attempts.
 */
const BATCH_ATTEMPTS = 10;
/** Temporal's longest timer, the cap of a batch's start-to-close timeout. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/**
 * The heart of every tuning workflow (a plain session and each walk-forward split): asks the sampler for
 * trials, keeps at most `parallelism` trial activities in flight, feeds outcomes back, and stops when the
 * budget is spent, the deadline passes, or history should be handed to a fresh run (continue-as-new).
 * It always drains: when `run` returns, no trial is in flight.
 */
export class TrialLoop {
  readonly sampler: Sampler;
  readonly board: Leaderboard;
  readonly counts: SessionCounts;
  readonly runs: number;
  readonly startedAt: number;
  phase: SessionProgress['phase'] = 'running';
  private deadline: number | null;
  private deadlinePassed = false;
  /** The timer of the current deadline; replaced when `extend` moves it. */
  private deadlineTimer: CancellationScope | null = null;
  private readonly running = new Set<number>();
  /** Why the loop is winding down, once it is. */
  private stop: LoopStop | null = null;
  /** Something the loop waits on changed: a trial settled, a timer fired, an update arrived. */
  private changed = false;
  /** Live control; `control` stays null until the first update, so unsteered runs carry nothing new. */
  private control: { paused: boolean; stopping: boolean; budgetAtStart: number } | null;
  private readonly trialOptions: ActivityOptions;
  /** A trial failed with an error of the session's configuration: no further trial can succeed. */
  private configError: string | null = null;
  private perTrialMs: number | null;
  private readonly issues: TrialIssue[];
  /** Trials done when the search attributes were last written (batched sessions). */
  private publishedDone: number;
  /** The first `auto` batch outlasted the batch target (see probing). */
  private probeExpired = false;

  constructor(
    private readonly spec: SessionSpec,
    carry?: SessionCarry,
    private readonly options: LoopOptions = {},
  ) {
    if (spec.search.trials < 1) throw ApplicationFailure.nonRetryable('search.trials must be at least 1', 'InvalidConfig');
    const started = workflowInfo().runStartTime.getTime();
    const deadline = options.deadline;
    this.sampler = options.sampler ?? (carry ? restoreSampler(carry.sampler) : createSampler(spec.search));
    this.board = new Leaderboard(spec.search.direction, Math.max(LEADERBOARD_SIZE, spec.output.topN), carry?.leaderboard);
    this.counts = { ...(carry?.counts ?? { succeeded: 0, failed: 0 }) };
    this.runs = (carry?.runs ?? 0) + 1;
    this.startedAt = carry?.startedAt ?? started;
    this.deadline = carry ? carry.deadline : deadline !== undefined ? deadline : spec.session.timeoutMs === null ? null : started + spec.session.timeoutMs;
    this.perTrialMs = carry?.perTrialMs ?? null;
    this.issues = [...(carry?.issues ?? [])];
    this.publishedDone = finishedTrials(this.counts);
    this.control = carry?.control ? { ...carry.control } : null;
    this.trialOptions = {
      startToCloseTimeout: spec.trial.timeoutMs,
      heartbeatTimeout: spec.trial.heartbeatTimeoutMs,
      retry: {
        initialInterval: spec.trial.retry.initialIntervalMs,
        backoffCoefficient: spec.trial.retry.backoffCoefficient,
        maximumInterval: spec.trial.retry.maximumIntervalMs,
        maximumAttempts: spec.trial.retry.maximumAttempts,
        nonRetryableErrorTypes: PERMANENT_ERRORS,
      },
    };
    setHandler(progressQuery, () => this.progress());
    setHandler(leaderboardQuery, () => this.board.top());
    if (this.batched) setHandler(trialIssuesQuery, () => [...this.issues]);
    this.handleControl();
  }

  /** Registers pause, resume, extend and stop; each validator refuses, with the reason, what cannot apply now. */
  private handleControl(): void {
    const steer = (change: (control: NonNullable<TrialLoop['control']>) => void): SessionProgress => {
      this.control ??= { paused: false, stopping: false, budgetAtStart: this.shownBudget() };
      change(this.control);
      this.changed = true;
      upsertSearchAttributes([{ key: TuneState, value: this.controlState() }]);
      this.describe();
      return this.progress();
    };
    setHandler(pauseUpdate, () => steer((c) => (c.paused = true)), { validator: () => this.refuseUnlessLive('paused') });
    setHandler(resumeUpdate, () => steer((c) => (c.paused = false)), { validator: () => this.refuseUnlessLive('resumed') });
    setHandler(stopUpdate, () => steer((c) => (c.stopping = true)), { validator: () => this.refuseUnlessLive('stopped', true) });
    setHandler(
      extendUpdate,
      (request) =>
        steer(() => {
          if (request.trials !== undefined && request.trials !== this.sampler.budget()) {
            this.sampler.setBudget(request.trials);
            upsertSearchAttributes([{ key: TuneBudget, value: request.trials }]);
          }
          if (request.timeoutMs !== undefined) this.moveDeadline(request.timeoutMs === null ? null : this.startedAt + request.timeoutMs);
        }),
      { validator: (request) => this.refuseExtend(request) },
    );
  }

  private refuseUnlessLive(verb: string, idempotentWhileStopping = false): void {
    const id = this.spec.sessionId;
    if (this.phase === 'aggregating' || this.phase === 'done') {
      throw new Error(`Session ${id} cannot be ${verb}: it has finished its trials and is writing its outputs.`);
    }
    if (this.configError !== null) throw new Error(`Session ${id} cannot be ${verb}: it is stopping because it cannot run: ${this.configError}`);
    if (this.control?.stopping && !idempotentWhileStopping) {
      throw new Error(`Session ${id} cannot be ${verb}: it is stopping (tuneflow stop); its last trials are finishing before its outputs are written.`);
    }
  }

  private refuseExtend(request: ExtendRequest): void {
    this.refuseUnlessLive('extended');
    const id = this.spec.sessionId;
    if (request.trials === undefined && request.timeoutMs === undefined) throw new Error('Give the new trial budget, the new timeout, or both.');
    if (this.options.rerunFailed && request.trials !== undefined) {
      throw new Error(`Session ${id} is re-running its failed trials, a fixed set: there is no budget to extend.`);
    }
    if (request.trials !== undefined) {
      const started = this.sampler.proposed();
      if (!Number.isSafeInteger(request.trials) || request.trials < 1 || request.trials > LIMITS.maxTrials) {
        throw new Error(`A trial budget is a whole number from 1 to ${LIMITS.maxTrials}, got ${request.trials}.`);
      }
      if (request.trials < started) {
        throw new Error(`Session ${id} has already started ${started} trials; its budget cannot go below that (asked for ${request.trials}).`);
      }
    }
    if (request.timeoutMs !== undefined && request.timeoutMs !== null) {
      if (!Number.isSafeInteger(request.timeoutMs) || request.timeoutMs <= 0) throw new Error(`A timeout is a positive number of milliseconds, got ${request.timeoutMs}.`);
      const elapsed = Date.now() - this.startedAt;
      if (request.timeoutMs <= elapsed) {
        throw new Error(
          `Session ${id} has already run for ${formatDuration(elapsed)}; a timeout of ${formatDuration(request.timeoutMs)} would end it in the past. Give a longer one.`,
        );
      }
    }
    if (this.stop === 'deadline' && request.timeoutMs === undefined) {
      throw new Error(`Session ${id} has passed its deadline and is finishing its last trials; give a longer --timeout to let it go on.`);
    }
  }

  /** Sets the deadline (epoch ms, null for none) and the timer that marks it passed. */
  private moveDeadline(deadline: number | null): void {
    this.deadline = deadline;
    this.deadlineTimer?.cancel();
    this.deadlineTimer = null;
    this.deadlinePassed = false;
    if (this.stop === 'deadline') this.stop = null;
    // Inside a workflow Date.now() is the time of the activation that applies the update: replay gets the same.
    this.armDeadline(Date.now());
  }

  /** Starts the timer of the deadline, measured from `now` (the run's start, or the update that moved it). */
  private armDeadline(now: number): void {
    if (this.deadline === null) return;
    const remaining = this.deadline - now;
    if (remaining <= 0) {
      this.deadlinePassed = true;
      return;
    }
    const timer = new CancellationScope();
    this.deadlineTimer = timer;
    void timer.run(() => sleep(remaining, { summary: 'session deadline' })).then(
      () => {
        if (this.deadlineTimer !== timer) return;
        this.deadlinePassed = true;
        this.changed = true;
      },
      () => undefined,
    );
  }

  private shownBudget(): number {
    return this.options.shownBudget ?? this.sampler.budget();
  }

  /** The state the `TuneState` search attribute shows while the loop runs. */
  private controlState(): ControlState {
    return this.control?.stopping ? 'stopping' : this.control?.paused ? 'paused' : 'running';
  }

  /**
   * Marks how a steered session ended in its `TuneState` search attribute. Sessions never steered get no such
   * write, so their histories stay as they were.
   */
  markEnded(stop: LoopStop): void {
    if (this.control === null) return;
    upsertSearchAttributes([{ key: TuneState, value: stop === 'stopped' ? 'stopped' : 'completed' }]);
  }

  /**
   * Whether trials go out in batches. Sessions started before batches existed have no `trial.batch` and keep
   * one activity per trial, so their recorded histories replay unchanged; `batch: 1` asks for that too.
   */
  private get batched(): boolean {
    return this.spec.trial.batch !== undefined && this.spec.trial.batch !== 1;
  }

  progress(): SessionProgress {
    return {
      sessionId: this.spec.sessionId,
      phase: this.phase,
      counts: { ...this.counts },
      running: this.running.size,
      budget: this.shownBudget(),
      best: this.board.best(),
      runs: this.runs,
      ...(this.batched ? { batch: this.batchSize() } : {}),
      ...(this.control ? { paused: this.control.paused, stopping: this.control.stopping } : {}),
      deadline: this.deadline,
    };
  }

  /** The state the next run continues from. Only meaningful once `run` has returned (nothing in flight). */
  carry(): SessionCarry {
    return {
      sampler: this.sampler.state(),
      leaderboard: this.board.top(),
      counts: { ...this.counts },
      deadline: this.deadline,
      startedAt: this.startedAt,
      runs: this.runs,
      ...(this.batched ? { perTrialMs: this.perTrialMs, issues: [...this.issues] } : {}),
      ...(this.control ? { control: { ...this.control } } : {}),
    };
  }

  async run(): Promise<LoopStop> {
    const spec = this.spec;
    const parallelism = spec.search.parallelism ?? 1;
    let launched = 0;
    let probeTimer: CancellationScope | null = null;

    this.armDeadline(workflowInfo().runStartTime.getTime());
    const continueDue = () =>
      (spec.session.continueAsNewEvery > 0 && launched >= spec.session.continueAsNewEvery) || workflowInfo().continueAsNewSuggested;

    // A trial's own failure is handled in runTrial; what escapes it (cancellation) must end the loop, not
    // float away as an unhandled rejection.
    let fatal: unknown;
    for (;;) {
      if (this.stop === null && this.control?.stopping) this.stop = 'stopped';
      // Checked before the window is known to have room: with every slot busy when the deadline passes, the
      // wait below would otherwise wake at once, forever, and the activation would never end.
      if (this.stop === null && this.deadlinePassed) this.stop = 'deadline';
      while (this.stop === null && !this.control?.paused && this.running.size < parallelism) {
        if (this.configError !== null) this.stop = 'complete';
        else if (continueDue()) this.stop = 'continue';
        else if (this.batched && this.probing()) {
          // The wait is a timer in history, so a replay expires it at the same point.
          if (probeTimer === null) {
            probeTimer = new CancellationScope();
            void probeTimer.run(() => sleep(this.spec.trial.batchTargetMs ?? 2000, { summary: 'first batch timing' })).then(
              () => {
                this.probeExpired = true;
                this.changed = true;
              },
              () => undefined,
            );
          }
          break;
        }
        else if (this.batched) {
          // The window counts trials, not activities: proposals depend on parallelism alone, whatever the batch size.
          const room = Math.min(parallelism - this.running.size, this.batchSize());
          const batch: Suggestion[] = [];
          while (batch.length < room) {
            const trial = this.sampler.suggest();
            if (!trial) break;
            batch.push(trial);
          }
          if (batch.length === 0) break;
          for (const trial of batch) this.running.add(trial.id);
          launched += batch.length;
          void this.runBatch(batch, false)
            .catch((err: unknown) => (fatal ??= err))
            .finally(() => {
              for (const trial of batch) this.running.delete(trial.id);
              this.changed = true;
            });
        } else {
          const trial = this.sampler.suggest();
          if (!trial) break;
          this.running.add(trial.id);
          launched += 1;
          void this.runTrial(trial)
            .catch((err: unknown) => (fatal ??= err))
            .finally(() => {
              this.running.delete(trial.id);
              this.changed = true;
            });
        }
      }
      if (fatal !== undefined) throw fatal;
      this.phase = this.stop === null ? 'running' : 'draining';
      // A paused loop with nothing in flight waits for resume, stop or a new deadline instead of ending.
      if (this.running.size === 0 && (this.stop !== null || !this.control?.paused)) break;
      this.changed = false;
      await condition(() => this.changed || (this.stop === null && this.deadlinePassed));
      if (probeTimer !== null && this.perTrialMs !== null) {
        probeTimer.cancel();
        probeTimer = null;
      }
    }
    if (fatal !== undefined) throw fatal;
    this.publish(true);
    if (this.configError !== null) {
      throw ApplicationFailure.nonRetryable(
        `Session ${spec.sessionId} cannot run: ${this.configError} Every trial would fail the same way, so the session stopped; ` +
          'the trials so far are in the trial store. Fix the cause and start a new session.',
        'InvalidConfig',
      );
    }
    if (this.stop === 'continue' && this.sampler.isComplete()) return 'complete';
    return this.stop ?? 'complete';
  }

  private async runTrial(trial: Suggestion): Promise<void> {
    const spec = this.spec;
    const { evaluateTrial } = proxyActivities<Activities>(this.trialOptions);
    // Its own proxy: options passed to executeWithOptions are deep-merged into the proxy's, so through the
    // trial's proxy it would inherit the trial's heartbeat timeout and attempt limit and give up in an outage.
    const { recordTrialFailure } = proxyActivities<Activities>(BOOKKEEPING);
    try {
      // The summary names the trial in the Web UI's pending-activity and history views.
      const outcome = await evaluateTrial.executeWithOptions(
        { ...this.trialOptions, summary: `trial ${trial.id} ${JSON.stringify(trial.params)}`.slice(0, 200) },
        [{ sessionId: spec.sessionId, trialId: trial.id, params: trial.params, evaluator: spec.evaluator, objective: spec.objective, ...objectives(spec), minTrades: spec.minTrades, ...resultConstraints(spec) }],
      );
      this.counts.succeeded += 1;
      if (outcome.objective === null) {
        this.counts.unranked = (this.counts.unranked ?? 0) + 1;
        this.sampler.update(trial.id, outcome.infeasible ? { infeasible: true } : { failed: true });
      }
      else {
        this.sampler.update(trial.id, outcome.objectives ? { values: outcome.objectives } : { value: outcome.objective });
        this.board.offer(trial.id, trial.params, outcome.objective);
      }
    } catch (err) {
      if (isCancellation(err) || !(err instanceof ActivityFailure)) throw err;
      // Bookkeeping must not be lost to a Redis or disk hiccup, so it retries until it succeeds.
      await recordTrialFailure({
        sessionId: spec.sessionId,
        trialId: trial.id,
        params: trial.params,
        error: failureMessage(err),
        attempts: err.retryState === RetryState.MAXIMUM_ATTEMPTS_REACHED ? spec.trial.retry.maximumAttempts : 1,
      });
      this.counts.failed += 1;
      this.sampler.update(trial.id, { failed: true });
      const cause = err.cause;
      if (cause instanceof ApplicationFailure && cause.type === 'InvalidConfig' && patched('stop-on-invalid-config')) {
        this.configError ??= cause.message;
      }
    }
    this.publish(false);
  }

  /**
   * A multi-objective session's objectives, for the trial activities' input: their values come back with each
   * ranked trial for the sampler. The leaderboard and progress rank by the first objective, as `objective` is.
   * Nothing for one objective, so the input of sessions with one stays as it was.
   */
  /**
   * Trials per batch: the configured number, or in `auto` mode as many as take about `trial.batch_target`
   * at the measured time per trial, within bounds: at most half the window, so that while the workflow turns
   * one batch around another keeps the workers busy; at least what keeps the activities in flight under
   * MAX_ACTIVITIES.
   */
  private batchSize(): number {
    const parallelism = this.spec.search.parallelism ?? 1;
    const batch = this.spec.trial.batch ?? 1;
    if (batch !== 'auto') return Math.max(1, Math.min(batch, parallelism));
    const floor = Math.min(MAX_BATCH, Math.ceil(parallelism / MAX_ACTIVITIES));
    const cap = Math.max(floor, Math.min(MAX_BATCH, Math.ceil(parallelism / 2)));
    const target = this.spec.trial.batchTargetMs ?? 2000;
    const wanted = this.perTrialMs !== null ? Math.round(target / Math.max(this.perTrialMs, 1e-3)) : this.probeExpired ? 1 : AUTO_FIRST_BATCH;
    return Math.max(floor, Math.min(cap, wanted));
  }

  /**
   * An `auto` session times one small batch before it fills its window: sized blind, a wide window would go
   * out as hundreds of tiny batches. Trials that outlast `trial.batch_target` end the wait; the window then
   * fills with the smallest batches, as slow trials want.
   */
  private probing(): boolean {
    return this.spec.trial.batch === 'auto' && this.perTrialMs === null && !this.probeExpired && this.running.size > 0;
  }

  /**
   * Runs trials as one activity and feeds each outcome back. A batch that keeps failing without a permanent
   * error (workers lost again and again) is split: each trial then runs as a batch of one with the trial's own
   * attempt limit, so a trial that crashes its worker fails alone and its neighbours still finish.
   */
  private async runBatch(trials: Suggestion[], alone: boolean): Promise<void> {
    const spec = this.spec;
    const options = this.batchOptions(trials.length, alone);
    const { evaluateTrials } = proxyActivities<Activities>(options);
    const { recordTrialFailures } = proxyActivities<Activities>(BOOKKEEPING);
    const input = {
      sessionId: spec.sessionId,
      trials: trials.map((t) => ({ trialId: t.id, params: t.params })),
      evaluator: spec.evaluator,
      objective: spec.objective,
      ...objectives(spec),
      minTrades: spec.minTrades,
      ...resultConstraints(spec),
      trial: { timeoutMs: spec.trial.timeoutMs, retry: spec.trial.retry },
      ...(this.options.rerunFailed ? { rerunFailed: true } : {}),
      ...pruning(spec),
    };
    let result: TrialBatchResult;
    try {
      result = await evaluateTrials.executeWithOptions({ ...options, summary: batchSummary(trials) }, [input]);
    } catch (err) {
      if (isCancellation(err) || !(err instanceof ActivityFailure)) throw err;
      const failure = failureSummary(err);
      if (!alone && trials.length > 1 && !PERMANENT_ERRORS.includes(failure.type)) {
        await Promise.all(trials.map((trial) => this.runBatch([trial], true)));
        return;
      }
      await recordTrialFailures({ sessionId: spec.sessionId, trials: input.trials, error: `${failure.type}: ${failure.message}` });
      result = { outcomes: trials.map((t) => ({ trialId: t.id, objective: null, attempts: 1, failure })), evaluated: 0, elapsedMs: 0 };
    }
    if (result.evaluated > 0) {
      const perTrial = result.elapsedMs / result.evaluated;
      this.perTrialMs = this.perTrialMs === null ? perTrial : (1 - PER_TRIAL_SMOOTHING) * this.perTrialMs + PER_TRIAL_SMOOTHING * perTrial;
    }
    const byId = new Map(trials.map((t) => [t.id, t]));
    for (const outcome of result.outcomes) {
      const trial = byId.get(outcome.trialId);
      if (trial) this.settle(trial, outcome);
    }
    this.publish(false);
  }

  private settle(trial: Suggestion, outcome: TrialBatchOutcome): void {
    if (outcome.failure) {
      this.counts.failed += 1;
      this.sampler.update(trial.id, { failed: true });
      if (outcome.failure.type === 'InvalidConfig') this.configError ??= outcome.failure.message;
    } else if (outcome.pruned) {
      // Only sessions with pruning have pruned trials, so earlier histories replay unchanged. Ranked below every
      // complete result, like a broken result constraint, so the search moves away from where trials are pruned.
      this.counts.pruned = (this.counts.pruned ?? 0) + 1;
      this.sampler.update(trial.id, { infeasible: true });
    } else {
      this.counts.succeeded += 1;
      if (outcome.objective === null) {
        this.counts.unranked = (this.counts.unranked ?? 0) + 1;
        // Only sessions with result constraints have infeasible trials, so earlier histories replay unchanged.
        this.sampler.update(trial.id, outcome.infeasible ? { infeasible: true } : { failed: true });
      } else {
        this.sampler.update(trial.id, outcome.objectives ? { values: outcome.objectives } : { value: outcome.objective });
        this.board.offer(trial.id, trial.params, outcome.objective);
      }
    }
    if (outcome.attempts > 1) this.counts.retried = (this.counts.retried ?? 0) + 1;
    if (outcome.failure || outcome.attempts > 1) {
      this.issues.push({ trialId: trial.id, attempts: outcome.attempts, ...(outcome.failure ? { error: `${outcome.failure.type}: ${outcome.failure.message}` } : {}) });
      if (this.issues.length > ISSUES_KEPT) this.issues.splice(0, this.issues.length - ISSUES_KEPT);
    }
  }

  /**
   * A batch heartbeats like a trial, so a lost worker is noticed as fast; its start-to-close timeout covers
   * every trial of it using all its attempts one after another. A batch retries past infrastructure errors
   * up to BATCH_ATTEMPTS times; a batch of one kept alone has its trial's own attempt limit.
   */
  private batchOptions(size: number, alone: boolean): ActivityOptions {
    const { trial } = this.spec;
    const perTrial = trial.retry.maximumAttempts * (trial.timeoutMs + trial.retry.maximumIntervalMs);
    return {
      startToCloseTimeout: Math.min(MAX_TIMEOUT_MS, size * perTrial + 60_000),
      heartbeatTimeout: trial.heartbeatTimeoutMs,
      retry: {
        initialInterval: trial.retry.initialIntervalMs,
        backoffCoefficient: trial.retry.backoffCoefficient,
        maximumInterval: trial.retry.maximumIntervalMs,
        maximumAttempts: alone ? trial.retry.maximumAttempts : BATCH_ATTEMPTS,
        nonRetryableErrorTypes: PERMANENT_ERRORS,
      },
    };
  }

  /** Live progress for the Web UI (free: no history event) and, now and then, the search attributes. */
  private publish(force: boolean): void {
    this.describe();
    const done = finishedTrials(this.counts);
    const best = this.board.best();
    const step = Math.max(10, Math.ceil(this.sampler.budget() / 20));
    // Batches settle many trials at once, so a multiple of the step is crossed rather than hit.
    const due = this.batched ? done - this.publishedDone >= step : done % step === 0;
    if (force || due) {
      this.publishedDone = done;
      upsertSearchAttributes([{ key: TuneTrialsDone, value: done }, ...(best ? [{ key: TuneBestScore, value: best.objective }] : [])]);
    }
  }

  /** The Web UI's current details: progress, control state, best so far and (batched) the latest issues. */
  private describe(): void {
    const done = finishedTrials(this.counts);
    const best = this.board.best();
    const budget = this.shownBudget();
    const control = this.control;
    const state = control?.stopping ? '**STOPPING**: no new trials; the running ones finish, then the outputs are written.\n\n' : control?.paused ? '**PAUSED**: no new trials until `tuneflow resume`.\n\n' : '';
    const extended = control && control.budgetAtStart !== budget ? ` (budget changed from ${control.budgetAtStart})` : '';
    const bestLine = best ? `\n\nBest ${this.spec.objective.metric} = ${best.objective} at trial ${best.trialId}: \`${JSON.stringify(best.params)}\`` : '';
    if (!this.batched) {
      setCurrentDetails(`${state}**${done} / ${budget}** trials done${extended} (${this.counts.failed} failed, ${this.running.size} running), run ${this.runs}${bestLine}`);
      return;
    }
    const issues = this.issues.slice(-3).map((i) => `- trial ${i.trialId}: ${i.attempts} attempt${i.attempts === 1 ? '' : 's'}${i.error ? `, failed: ${i.error.slice(0, 160)}` : ', then succeeded'}`);
    setCurrentDetails(
      `${state}**${done} / ${budget}** trials done${extended} (${this.counts.failed} failed, ${this.counts.retried ?? 0} retried, ` +
        `${this.counts.pruned === undefined ? '' : `${this.counts.pruned} pruned, `}${this.running.size} running), ` +
        `batches of ${this.batchSize()}, run ${this.runs}${bestLine}` +
        (issues.length > 0 ? `\n\nLatest failed or retried trials (query \`trialIssues\` for more):\n${issues.join('\n')}` : ''),
    );
  }
}

/**
 * Options of activities that keep the books: a Redis or disk outage is retried until it heals, but an error
 * that recurs on every attempt fails at once. They are quick writes, so an attempt lost with its worker (or
 * dropped by a worker that was shutting down as it received it) is retried within a minute.
 */
export const BOOKKEEPING: ActivityOptions = {
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', nonRetryableErrorTypes: PERMANENT_ERRORS },
};

/**
 * Options of the activities that write outputs or evaluate a split: as long as they need, retried like
 * bookkeeping, and heartbeating (see keepBeating in activities/), so a lost attempt is retried within a minute.
 */
export const OUTPUTS: ActivityOptions = {
  ...BOOKKEEPING,
  startToCloseTimeout: '1 day',
  heartbeatTimeout: '1 minute',
};

/** Why an activity finally failed: the failure type (the error's name when it has none) and message. */
function failureSummary(err: ActivityFailure): TrialFailureSummary {
  const cause = err.cause;
  if (cause instanceof ApplicationFailure) return { type: cause.type ?? 'Error', message: cause.message };
  return cause ? { type: cause.name, message: cause.message } : { type: 'ActivityFailure', message: err.message };
}

/**
 * The Web UI's name for a batch activity: its trial ids and the range of each parameter in it, e.g.
 * `trials 1201-1264 (64) fast 5..50 slow 20..200`.
 */
export function batchSummary(trials: Suggestion[]): string {
  const ids = trials.map((t) => t.id);
  const first = Math.min(...ids);
  const last = Math.max(...ids);
  const parts = [trials.length === 1 ? `trial ${first}` : `trials ${first}-${last} (${trials.length})`];
  for (const name of Object.keys(trials[0]?.params ?? {})) {
    const values = trials.map((t) => t.params[name]);
    if (values.every((v) => typeof v === 'number')) {
      const numbers = values as number[];
      const lo = Math.min(...numbers);
      const hi = Math.max(...numbers);
      parts.push(lo === hi ? `${name} ${lo}` : `${name} ${lo}..${hi}`);
    } else {
      const distinct = new Set(values.map((v) => String(v)));
      parts.push(distinct.size === 1 ? `${name} ${[...distinct][0]}` : `${name} ${distinct.size} values`);
    }
  }
  return parts.join(' ').slice(0, 200);
}

/**
 * The session's result constraints for a trial activity's input. Sessions without them (all those started
 * before they existed) schedule exactly the input they always did.
 */
/** A multi-objective session's objectives for its trial activities; other sessions send what they always did. */
function objectives(spec: SessionSpec): { objectives?: SessionSpec['objectives'] } {
  return spec.objectives ? { objectives: spec.objectives } : {};
}

function resultConstraints(spec: SessionSpec): { resultConstraints?: string[] } {
  return spec.resultConstraints?.length ? { resultConstraints: spec.resultConstraints } : {};
}

/** A session's pruning for its batch activities; sessions without it send what they always did. */
function pruning(spec: SessionSpec): { pruning?: SessionSpec['pruning'] } {
  return spec.pruning ? { pruning: spec.pruning } : {};
}

function failureMessage(err: ActivityFailure): string {
  const cause = err.cause;
  if (cause instanceof ApplicationFailure) return `${cause.type ?? 'Error'}: ${cause.message}`;
  return cause ? `${cause.name}: ${cause.message}` : err.message;
}
