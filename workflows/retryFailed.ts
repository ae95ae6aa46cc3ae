import { allHandlersFinished, condition, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { ListSampler } from '../search/list';
import { finishedTrials, type LeaderboardEntry, type SessionCounts, type SessionSpec, type SessionSummary } from '../types/session';
import { failOutputs } from './failures';
import { OUTPUTS, TrialLoop, type SessionCarry } from './trialLoop';

/** A new run of a finished session that runs its finally failed trials again (`tuneflow retry-failed`). */
export interface RetryFailedInput {
  /** Where the session stood: its last result, or the previous run of this retry (continue-as-new). */
  base: {
    counts: SessionCounts;
    leaderboard: LeaderboardEntry[];
    runs: number;
    startedAt: number;
    stoppedBy: SessionSummary['stoppedBy'];
  };
  /** Failed trials with ids above this one are still to run again. */
  after: number;
}

/** Failed trials read and run again per page, so a session with any number of failures keeps small state. */
const PAGE = 500;

const { failedTrials, aggregateSession } = proxyActivities<Activities>(OUTPUTS);

/**
 * Runs the failed trials of a finished session again, page by page, under their own ids: a success replaces
 * the stored failure, a second failure stays. The counts and the leaderboard continue from the session's last
 * result, and the outputs are written again from the trial store. Pause, resume and stop work as in any run.
 * When history should move to a fresh run, it returns where the next run continues instead.
 */
export async function retryFailedSession(spec: SessionSpec, retry: RetryFailedInput): Promise<SessionSummary | { continueWith: RetryFailedInput }> {
  let { counts, leaderboard } = retry.base;
  const { runs, startedAt } = retry.base;
  let after = retry.after;
  let stoppedBy = retry.base.stoppedBy;
  let loop: TrialLoop | null = null;
  for (;;) {
    const page = await failedTrials({ sessionId: spec.sessionId, after, limit: PAGE });
    if (page.trials.length === 0) break;
    const sampler = ListSampler.of(
      page.trials.map((t) => ({ id: t.trialId, params: t.params })),
      spec.search,
    );
    // The page's trials leave the failed count as they start; each comes back as a success or a failure.
    const carried: SessionCarry = {
      sampler: sampler.state(),
      leaderboard,
      counts: { ...counts, failed: counts.failed - page.trials.length },
      deadline: null,
      startedAt,
      runs,
      // A pause or stop sent while the previous page wound down applies to this one.
      control: loop?.carry().control,
    };
    loop = new TrialLoop(spec, carried, { sampler, rerunFailed: true, shownBudget: finishedTrials(counts) });
    const stop = await loop.run();
    counts = { ...loop.counts, failed: loop.counts.failed + (page.trials.length - sampler.proposed()) };
    leaderboard = loop.board.top();
    after = sampler.lastProposedId();
    if (stop === 'stopped') {
      stoppedBy = 'stopped';
      break;
    }
    if (stop === 'continue' || workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      return { continueWith: { base: { counts, leaderboard, runs: loop.runs, startedAt, stoppedBy }, after } };
    }
    if (page.next === null) break;
  }
  if (loop) loop.phase = 'aggregating';
  const total = loop ? loop.runs : runs + 1;
  const files = await aggregateSession({ spec, leaderboard, counts, runs: total, stoppedBy, startedAt }).catch((err: unknown) => failOutputs(spec.sessionId, err));
  if (loop) {
    loop.phase = 'done';
    loop.markEnded(stoppedBy === 'stopped' ? 'stopped' : 'complete');
  }
  await condition(allHandlersFinished);
  return {
    sessionId: spec.sessionId,
    status: counts.failed > 0 ? 'completed_with_failures' : 'completed',
    counts,
    best: leaderboard[0] ?? null,
    leaderboard: leaderboard.slice(0, spec.output.topN),
    outputDir: files.outputDir,
    files: files.files,
    stoppedBy,
    runs: total,
  };
}
