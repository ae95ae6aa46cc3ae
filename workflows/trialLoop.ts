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
import { createSampler, restoreSampler } from '../search';
import type { Sampler, SamplerState, Suggestion } from '../search/types';
import type { LeaderboardEntry, SessionCounts, SessionProgress, SessionSpec } from '../types/session';
import { Leaderboard } from './leaderboard';
import { TuneBestScore, TuneTrialsDone } from './searchAttributes';

/** What one run of a session hands to the next through continue-as-new: plain, bounded JSON. */
export interface SessionCarry {
  sampler: SamplerState;
  leaderboard: LeaderboardEntry[];
  counts: SessionCounts;
  /** Epoch ms after which no new trial starts; null for no deadline. */
  deadline: number | null;
  startedAt: number;
  runs: number;
}

/** Why a run of the loop ended. */
export type LoopStop = 'complete' | 'deadline' | 'continue';

/**
 * Error types that recur on every attempt: bad input or configuration (a missing file or module, output that
 * cannot be written), invalid parameters, an evaluator's unusable output. Every retry policy of a session names them; only infrastructure errors retry.
 */
export const PERMANENT_ERRORS = ['InvalidParameters', 'InvalidConfig', 'InvalidTrialOutput'];

export const progressQuery = defineQuery<SessionProgress>('progress');

/** Rows kept on the leaderboard that travels with the workflow; the trial store keeps every trial. */
const LEADERBOARD_SIZE = 20;

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
  private readonly deadline: number | null;
  private readonly running = new Set<number>();
  private readonly trialOptions: ActivityOptions;
  /** A trial failed with an error of the session's configuration: no further trial can succeed. */
  private configError: string | null = null;

  /** `deadline` (epoch ms) overrides the session's own, so walk-forward splits share their parent's. */
  constructor(private readonly spec: SessionSpec, carry?: SessionCarry, deadline?: number | null) {
    if (spec.search.trials < 1) throw ApplicationFailure.nonRetryable('search.trials must be at least 1', 'InvalidConfig');
    const started = workflowInfo().runStartTime.getTime();
    this.sampler = carry ? restoreSampler(carry.sampler) : createSampler(spec.search);
    this.board = new Leaderboard(spec.search.direction, Math.max(LEADERBOARD_SIZE, spec.output.topN), carry?.leaderboard);
    this.counts = { ...(carry?.counts ?? { succeeded: 0, failed: 0 }) };
    this.runs = (carry?.runs ?? 0) + 1;
    this.startedAt = carry?.startedAt ?? started;
    this.deadline = carry ? carry.deadline : deadline !== undefined ? deadline : spec.session.timeoutMs === null ? null : started + spec.session.timeoutMs;
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
  }

  progress(): SessionProgress {
    return {
      sessionId: this.spec.sessionId,
      phase: this.phase,
      counts: { ...this.counts },
      running: this.running.size,
      budget: this.spec.search.trials,
      best: this.board.best(),
      runs: this.runs,
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
    };
  }

  async run(): Promise<LoopStop> {
    const spec = this.spec;
    const parallelism = spec.search.parallelism ?? 1;
    let changed = false;
    let deadlinePassed = false;
    let launched = 0;

    if (this.deadline !== null) {
      const remaining = this.deadline - workflowInfo().runStartTime.getTime();
      if (remaining <= 0) deadlinePassed = true;
      else {
        void CancellationScope.cancellable(() => sleep(remaining, { summary: 'session deadline' })).then(
          () => (deadlinePassed = true),
          () => undefined,
        );
      }
    }
    const continueDue = () =>
      (spec.session.continueAsNewEvery > 0 && launched >= spec.session.continueAsNewEvery) || workflowInfo().continueAsNewSuggested;

    // A trial's own failure is handled in runTrial; what escapes it (cancellation) must end the loop, not
    // float away as an unhandled rejection.
    let fatal: unknown;
    let stop: LoopStop | null = null;
    for (;;) {
      // Checked before the window is known to have room: with every slot busy when the deadline passes, the
      // wait below would otherwise wake at once, forever, and the activation would never end.
      if (stop === null && deadlinePassed) stop = 'deadline';
      while (stop === null && this.running.size < parallelism) {
        if (this.configError !== null) stop = 'complete';
        else if (continueDue()) stop = 'continue';
        else {
          const trial = this.sampler.suggest();
          if (!trial) break;
          this.running.add(trial.id);
          launched += 1;
          void this.runTrial(trial)
            .catch((err: unknown) => (fatal ??= err))
            .finally(() => {
              this.running.delete(trial.id);
              changed = true;
            });
        }
      }
      if (fatal !== undefined) throw fatal;
      if (stop !== null) this.phase = 'draining';
      if (this.running.size === 0) break;
      changed = false;
      await condition(() => changed || (stop === null && deadlinePassed));
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
    if (stop === 'continue' && this.sampler.isComplete()) return 'complete';
    return stop ?? 'complete';
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
        [{ sessionId: spec.sessionId, trialId: trial.id, params: trial.params, evaluator: spec.evaluator, objective: spec.objective, minTrades: spec.minTrades }],
      );
      this.counts.succeeded += 1;
      if (outcome.objective === null) {
        this.counts.unranked = (this.counts.unranked ?? 0) + 1;
        this.sampler.update(trial.id, { failed: true });
      }
      else {
        this.sampler.update(trial.id, { value: outcome.objective });
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

  /** Live progress for the Web UI (free: no history event) and, now and then, the search attributes. */
  private publish(force: boolean): void {
    const done = this.counts.succeeded + this.counts.failed;
    const best = this.board.best();
    const budget = this.spec.search.trials;
    setCurrentDetails(
      `**${done} / ${budget}** trials done (${this.counts.failed} failed, ${this.running.size} running), run ${this.runs}` +
        (best ? `\n\nBest ${this.spec.objective.metric} = ${best.objective} at trial ${best.trialId}: \`${JSON.stringify(best.params)}\`` : ''),
    );
    if (force || done % Math.max(10, Math.ceil(budget / 20)) === 0) {
      upsertSearchAttributes([{ key: TuneTrialsDone, value: done }, ...(best ? [{ key: TuneBestScore, value: best.objective }] : [])]);
    }
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

function failureMessage(err: ActivityFailure): string {
  const cause = err.cause;
  if (cause instanceof ApplicationFailure) return `${cause.type ?? 'Error'}: ${cause.message}`;
  return cause ? `${cause.name}: ${cause.message}` : err.message;
}
