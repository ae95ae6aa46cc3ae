import {
  type ActivityOptions,
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  allHandlersFinished,
  condition,
  continueAsNew,
  defineQuery,
  isCancellation,
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
import type { SamplerState, Suggestion } from '../search/types';
import type { LeaderboardEntry, SessionCounts, SessionProgress, SessionSpec, SessionSummary } from '../types/session';
import { Leaderboard } from './leaderboard';
import { TuneBestScore, TuneTrialsDone } from './searchAttributes';

// --- Types ---

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

export interface SessionInput {
  spec: SessionSpec;
  carry?: SessionCarry;
}

// --- Queries ---

export const progressQuery = defineQuery<SessionProgress>('progress');

/** Rows kept on the leaderboard that travels with the workflow; the trial store keeps every trial. */
const LEADERBOARD_SIZE = 20;

// --- Workflow ---

/**
 * One tuning session. Asks the sampler for trials, keeps at most `parallelism` trial activities in flight,
 * feeds results back, continues-as-new before history grows large, and ends with the aggregation activity.
 */
export async function tuningSession(input: SessionInput): Promise<SessionSummary> {
  const { spec } = input;
  if (spec.search.trials < 1) throw ApplicationFailure.nonRetryable('search.trials must be at least 1', 'InvalidConfig');
  const info = workflowInfo();
  const carry: SessionCarry = input.carry ?? {
    sampler: createSampler(spec.search).state(),
    leaderboard: [],
    counts: { succeeded: 0, failed: 0 },
    deadline: spec.session.timeoutMs === null ? null : info.runStartTime.getTime() + spec.session.timeoutMs,
    startedAt: info.runStartTime.getTime(),
    runs: 0,
  };
  const sampler = restoreSampler(carry.sampler);
  const board = new Leaderboard(spec.search.direction, Math.max(LEADERBOARD_SIZE, spec.output.topN), carry.leaderboard);
  const counts = { ...carry.counts };
  const runs = carry.runs + 1;
  const parallelism = spec.search.parallelism ?? 1;
  const running = new Set<number>();
  let phase: SessionProgress['phase'] = 'running';
  let changed = false;
  let deadlinePassed = false;
  let launchedThisRun = 0;

  const trialOptions: ActivityOptions = {
    startToCloseTimeout: spec.trial.timeoutMs,
    heartbeatTimeout: spec.trial.heartbeatTimeoutMs,
    retry: {
      initialInterval: spec.trial.retry.initialIntervalMs,
      backoffCoefficient: spec.trial.retry.backoffCoefficient,
      maximumInterval: spec.trial.retry.maximumIntervalMs,
      maximumAttempts: spec.trial.retry.maximumAttempts,
      nonRetryableErrorTypes: ['InvalidParameters', 'InvalidConfig'],
    },
  };
  const { evaluateTrial } = proxyActivities<Activities>(trialOptions);
  // Bookkeeping must not be lost to a Redis or disk hiccup, so it retries until it succeeds.
  const { beginSession, recordTrialFailure, aggregateSession } = proxyActivities<Activities>({
    startToCloseTimeout: '10 minutes',
    retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
  });

  const progress = (): SessionProgress => ({
    sessionId: spec.sessionId,
    phase,
    counts: { ...counts },
    running: running.size,
    budget: spec.search.trials,
    best: board.best(),
    runs,
  });
  setHandler(progressQuery, progress);

  const publishEvery = Math.max(10, Math.ceil(spec.search.trials / 20));
  const publish = (force: boolean) => {
    const done = counts.succeeded + counts.failed;
    const best = board.best();
    setCurrentDetails(
      `**${done} / ${spec.search.trials}** trials done (${counts.failed} failed, ${running.size} running), run ${runs}` +
        (best ? `\n\nBest ${spec.objective.metric} = ${best.objective} at trial ${best.trialId}: \`${JSON.stringify(best.params)}\`` : ''),
    );
    if (force || done % publishEvery === 0) {
      upsertSearchAttributes([
        { key: TuneTrialsDone, value: done },
        ...(best ? [{ key: TuneBestScore, value: best.objective }] : []),
      ]);
    }
  };

  async function runTrial(trial: Suggestion): Promise<void> {
    try {
      // The summary names the trial in the Web UI's pending-activity and history views.
      const outcome = await evaluateTrial.executeWithOptions(
        { ...trialOptions, summary: `trial ${trial.id} ${JSON.stringify(trial.params)}`.slice(0, 200) },
        [{ sessionId: spec.sessionId, trialId: trial.id, params: trial.params, evaluator: spec.evaluator, objective: spec.objective, minTrades: spec.minTrades }],
      );
      counts.succeeded += 1;
      if (outcome.objective === null) sampler.update(trial.id, { failed: true });
      else {
        sampler.update(trial.id, { value: outcome.objective });
        board.offer(trial.id, trial.params, outcome.objective);
      }
    } catch (err) {
      if (isCancellation(err) || !(err instanceof ActivityFailure)) throw err;
      await recordTrialFailure({
        sessionId: spec.sessionId,
        trialId: trial.id,
        params: trial.params,
        error: failureMessage(err),
        attempts: err.retryState === RetryState.MAXIMUM_ATTEMPTS_REACHED ? spec.trial.retry.maximumAttempts : 1,
      });
      counts.failed += 1;
      sampler.update(trial.id, { failed: true });
    } finally {
      running.delete(trial.id);
      changed = true;
    }
    publish(false);
  }

  if (!input.carry) await beginSession({ spec, startedAt: carry.startedAt });

  if (carry.deadline !== null) {
    const remaining = carry.deadline - info.runStartTime.getTime();
    if (remaining <= 0) deadlinePassed = true;
    else {
      void CancellationScope.cancellable(() => sleep(remaining, { summary: 'session deadline' })).then(
        () => {
          deadlinePassed = true;
        },
        () => undefined,
      );
    }
  }

  const continueDue = () =>
    (spec.session.continueAsNewEvery > 0 && launchedThisRun >= spec.session.continueAsNewEvery) ||
    workflowInfo().continueAsNewSuggested;

  let stop: 'complete' | 'deadline' | 'continue' | null = null;
  try {
    for (;;) {
      while (stop === null && running.size < parallelism) {
        if (deadlinePassed) stop = 'deadline';
        else if (continueDue()) stop = 'continue';
        else {
          const trial = sampler.suggest();
          if (!trial) break;
          running.add(trial.id);
          launchedThisRun += 1;
          void runTrial(trial);
        }
      }
      if (stop !== null) phase = 'draining';
      if (running.size === 0) break;
      changed = false;
      await condition(() => changed || (stop === null && deadlinePassed));
    }
  } catch (err) {
    if (isCancellation(err)) {
      phase = 'aggregating';
      await CancellationScope.nonCancellable(() =>
        aggregateSession({ spec, leaderboard: board.top(), counts, runs, stoppedBy: 'cancelled', startedAt: carry.startedAt }),
      );
    }
    throw err;
  }

  if (stop === 'continue' && !sampler.isComplete()) {
    await condition(allHandlersFinished);
    publish(true);
    return continueAsNew<typeof tuningSession>({
      spec,
      carry: { sampler: sampler.state(), leaderboard: board.top(), counts, deadline: carry.deadline, startedAt: carry.startedAt, runs },
    });
  }

  phase = 'aggregating';
  publish(true);
  const stoppedBy = stop === 'deadline' ? 'deadline' : 'complete';
  const files = await aggregateSession({ spec, leaderboard: board.top(), counts, runs, stoppedBy, startedAt: carry.startedAt });
  phase = 'done';
  await condition(allHandlersFinished);
  return {
    sessionId: spec.sessionId,
    status: counts.failed > 0 ? 'completed_with_failures' : 'completed',
    counts,
    best: board.best(),
    leaderboard: board.top().slice(0, spec.output.topN),
    outputDir: files.outputDir,
    files: files.files,
    stoppedBy,
    runs,
  };
}

function failureMessage(err: ActivityFailure): string {
  const cause = err.cause;
  if (cause instanceof ApplicationFailure) return `${cause.type ?? 'Error'}: ${cause.message}`;
  return cause ? `${cause.name}: ${cause.message}` : err.message;
}
