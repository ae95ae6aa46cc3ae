import { CancellationScope, allHandlersFinished, condition, continueAsNew, isCancellation, proxyActivities } from '@temporalio/workflow';
import { failOutputs } from './failures';
import type { Activities } from '../activities';
import type { SessionSpec, SessionSummary } from '../types/session';
import { BOOKKEEPING, OUTPUTS, TrialLoop, type SessionCarry } from './trialLoop';
import { retryFailedSession, type RetryFailedInput } from './retryFailed';
import { walkForwardSession } from './walkForward';

export interface SessionInput {
  spec: SessionSpec;
  carry?: SessionCarry;
  /** Present in a run that re-runs the failed trials of the session's previous, finished run. */
  retry?: RetryFailedInput;
}

const { beginSession } = proxyActivities<Activities>(BOOKKEEPING);
const { aggregateSession, warmStartTrials } = proxyActivities<Activities>(OUTPUTS);

/**
 * One tuning session, id = session id. Seeds its sampler with an earlier session's trials when the spec has a
 * warm start, runs the trial loop, continues-as-new (after draining) whenever the loop says history should move
 * to a fresh run, and ends with the aggregation activity that writes the outputs. With walk-forward configured,
 * it runs one child workflow per split instead.
 */
export async function tuningSession(input: SessionInput): Promise<SessionSummary> {
  const { spec } = input;
  if (spec.walkForward) return walkForwardSession(spec);
  if (input.retry) {
    const retried = await retryFailedSession(spec, input.retry);
    return 'continueWith' in retried ? continueAsNew<typeof tuningSession>({ spec, retry: retried.continueWith }) : retried;
  }
  const loop = new TrialLoop(spec, input.carry);
  if (!input.carry) {
    await beginSession({ spec, startedAt: loop.startedAt });
    // Once, before the first proposal: later runs carry the seeded sampler in its state, and a spec of a session
    // started before warm starts existed has no `warmStart`, so its history schedules what it always did.
    if (spec.warmStart) loop.sampler.warmStart((await warmStartTrials({ spec })).trials);
  }

  const aggregate = (stoppedBy: 'complete' | 'deadline' | 'stopped' | 'cancelled') =>
    aggregateSession({ spec, leaderboard: loop.board.top(), counts: loop.counts, runs: loop.runs, stoppedBy, startedAt: loop.startedAt });

  let stop;
  try {
    stop = await loop.run();
  } catch (err) {
    if (isCancellation(err)) {
      loop.phase = 'aggregating';
      await CancellationScope.nonCancellable(() => aggregate('cancelled'));
    }
    throw err;
  }
  if (stop === 'continue') {
    await condition(allHandlersFinished);
    return continueAsNew<typeof tuningSession>({ spec, carry: loop.carry() });
  }

  loop.phase = 'aggregating';
  const files = await aggregate(stop).catch((err: unknown) => failOutputs(spec.sessionId, err));
  loop.phase = 'done';
  loop.markEnded(stop);
  await condition(allHandlersFinished);
  return {
    sessionId: spec.sessionId,
    status: loop.counts.failed > 0 ? 'completed_with_failures' : 'completed',
    counts: loop.counts,
    best: loop.board.best(),
    leaderboard: loop.board.top().slice(0, spec.output.topN),
    outputDir: files.outputDir,
    files: files.files,
    stoppedBy: stop,
    runs: loop.runs,
  };
}
