import {
  ApplicationFailure,
  ChildWorkflowFailure,
  ParentClosePolicy,
  allHandlersFinished,
  condition,
  continueAsNew,
  executeChild,
  isCancellation,
  patched,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { finishedTrials, type ExtendRequest, type LeaderboardEntry, type SessionCounts, type SessionProgress, type SessionSpec, type SessionSummary, type SplitOutcome, type WalkForwardSpec } from '../types/session';
import { extendUpdate, pauseUpdate, resumeUpdate, stopUpdate } from './control';
import { failOutputs } from './failures';
import { TuneBestScore, TuneTrialsDone } from './searchAttributes';
import { BOOKKEEPING, OUTPUTS, TrialLoop, progressQuery, type SessionCarry } from './trialLoop';

export interface SplitInput {
  /** The split's own spec: session id `<session>/split-<k>`, evaluator window = its training bars. */
  spec: SessionSpec;
  split: WalkForwardSpec['splits'][number];
  topN: number;
  carry?: SessionCarry;
  /** The walk-forward session's deadline (epoch ms), which every split shares; null for none. */
  deadline?: number | null;
}

const { beginSession } = proxyActivities<Activities>(BOOKKEEPING);
const { evaluateSplit, evaluateHoldout, aggregateWalkForward } = proxyActivities<Activities>(OUTPUTS);

/**
 * One walk-forward split, a child of its session: tunes on the training window with the session's
 * algorithm and budget (the same trial loop as a plain session, continuing-as-new the same way), then
 * evaluates its in-sample leaders on the test window in one activity.
 */
export async function walkForwardSplit(input: SplitInput): Promise<SplitOutcome> {
  const loop = new TrialLoop(input.spec, input.carry, { deadline: input.deadline });
  if (!input.carry) await beginSession({ spec: input.spec, startedAt: loop.startedAt });
  const stop = await loop.run();
  if (stop === 'continue') {
    await condition(allHandlersFinished);
    return continueAsNew<typeof walkForwardSplit>({ ...input, carry: loop.carry() });
  }
  loop.phase = 'aggregating';
  const candidates = loop.board.top().slice(0, input.topN);
  // The full result (every candidate's metrics) goes to the trial store; the parent gets a few numbers, so
  // its history stays small however many splits and candidates there are.
  await evaluateSplit({ spec: input.spec, split: input.split, candidates, counts: loop.counts }).catch((err: unknown) => failOutputs(input.spec.sessionId, err));
  loop.phase = 'done';
  loop.markEnded(stop);
  await condition(allHandlersFinished);
  return { k: input.split.k, sessionId: input.spec.sessionId, counts: loop.counts, leader: candidates[0] ?? null };
}

/** The spec a split tunes with: its own trial-store id and the training window. */
export function splitSpec(spec: SessionSpec, split: WalkForwardSpec['splits'][number]): SessionSpec {
  if (spec.evaluator.kind !== 'backtest') throw ApplicationFailure.nonRetryable('walk-forward needs the built-in backtest engine', 'InvalidConfig');
  return {
    ...spec,
    sessionId: `${spec.sessionId}/split-${split.k}`,
    walkForward: undefined,
    evaluator: { ...spec.evaluator, window: split.train },
  };
}

/**
 * A walk-forward session: one child workflow per split (bounded concurrency; cancelled with the parent),
 * each retried on its own; a split that finally fails is reported and the others are still aggregated.
 */
export async function walkForwardSession(spec: SessionSpec): Promise<SessionSummary> {
  const wf = spec.walkForward!;
  const startedAt = workflowInfo().runStartTime.getTime();
  // `session.timeout` bounds the whole walk-forward session, not each split.
  const deadline = spec.session.timeoutMs === null ? null : startedAt + spec.session.timeoutMs;
  refuseControl(spec.sessionId);
  await beginSession({ spec, startedAt });
  const results: SplitOutcome[] = [];
  const failures: Array<{ k: number; error: string }> = [];
  const running = new Set<number>();
  // Progress counts finished splits' trials; each running split answers its own `progress` query.
  let phase: SessionProgress['phase'] = 'running';
  setHandler(progressQuery, () => ({
    sessionId: spec.sessionId,
    phase,
    counts: sumCounts(results, spec),
    running: running.size,
    budget: spec.search.trials * wf.splits.length,
    best: bestLeader(results, spec.objective),
    runs: 1,
  }));

  const children: Promise<void>[] = [];
  for (const split of wf.splits) {
    await condition(() => running.size < wf.concurrency);
    running.add(split.k);
    const child = executeChild(walkForwardSplit, {
      workflowId: `${spec.sessionId}/split-${split.k}`,
      args: [{ spec: splitSpec(spec, split), split, topN: wf.topN, deadline }],
      parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
      retry: { maximumAttempts: 3, initialInterval: '5 seconds' },
      staticSummary: `split ${split.k}: train bars ${split.train.start}–${split.train.end - 1}, test bars ${split.test.start}–${split.test.end - 1}`,
    }).then(
      (result) => {
        results.push(result);
        publishProgress(results, spec.objective);
      },
      (err: unknown) => {
        if (isCancellation(err) || !(err instanceof ChildWorkflowFailure)) throw err;
        failures.push({ k: split.k, error: err.cause?.message ?? err.message });
      },
    );
    children.push(child.finally(() => running.delete(split.k)));
  }
  await Promise.all(children);
  results.sort((a, b) => a.k - b.k);

  phase = 'aggregating';
  const splits = results.map((r) => ({ k: r.k, sessionId: r.sessionId }));
  // The recommended set meets the holdout once, when every split has chosen. Sessions without a holdout (all
  // those begun before it existed) schedule no such activity, so their histories replay as recorded.
  const holdout = wf.holdout ? await evaluateHoldout({ spec, splits }).catch((err: unknown) => failOutputs(spec.sessionId, err)) : null;
  const files = await aggregateWalkForward({ spec, splits, failures, ...(holdout ? { holdout } : {}) }).catch((err: unknown) =>
    failOutputs(spec.sessionId, err),
  );
  phase = 'done';
  await condition(allHandlersFinished);
  const summed = sumCounts(results, spec);
  const counts = { ...summed, failed: summed.failed + failures.length };
  return {
    sessionId: spec.sessionId,
    status: counts.failed > 0 ? 'completed_with_failures' : 'completed',
    counts,
    best: files.recommended,
    leaderboard: files.recommended ? [files.recommended] : [],
    outputDir: files.outputDir,
    files: files.files,
    stoppedBy: 'complete',
    runs: 1,
    ...(holdout ? { holdout } : {}),
  };
}

/**
 * A walk-forward session is steered split by split: each split is a session of its own with its own budget,
 * so `tuneflow pause <session>/split-<k>` reaches it; the parent refuses, and says so.
 */
function refuseControl(sessionId: string): void {
  const refuse = (): never => {
    throw new Error(
      `Session ${sessionId} is a walk-forward session: steer its splits, each a session of its own, e.g. \`tuneflow pause ${sessionId}/split-1\` ` +
        `(\`tuneflow plan <config>\` lists them).`,
    );
  };
  for (const update of [pauseUpdate, resumeUpdate, stopUpdate]) setHandler(update, refuse, { validator: refuse });
  setHandler(extendUpdate, (_request: ExtendRequest) => refuse(), { validator: (_request: ExtendRequest) => refuse() });
}

/**
 * The parent's trials done and best in-sample score in its search attributes, as a plain session keeps them, so
 * `tuneflow list` and the Web UI show them; written as each split ends (sessions begun before, without).
 */
function publishProgress(results: SplitOutcome[], objective: SessionSpec['objective']): void {
  if (!patched('walk-forward-progress-attributes')) return;
  const done = results.reduce((n, r) => n + finishedTrials(r.counts), 0);
  const best = bestLeader(results, objective);
  upsertSearchAttributes([{ key: TuneTrialsDone, value: done }, ...(best ? [{ key: TuneBestScore, value: best.objective }] : [])]);
}

/** The splits' counts added up; `pruned` only for sessions with pruning, so other sessions return what they did. */
function sumCounts(results: SplitOutcome[], spec: SessionSpec): SessionCounts {
  const sum = (of: (c: SessionCounts) => number) => results.reduce((n, r) => n + of(r.counts), 0);
  return { succeeded: sum((c) => c.succeeded), failed: sum((c) => c.failed), ...(spec.pruning ? { pruned: sum((c) => c.pruned ?? 0) } : {}) };
}

/** The best in-sample leader of the splits finished so far, for the progress query. */
function bestLeader(results: SplitOutcome[], objective: SessionSpec['objective']): LeaderboardEntry | null {
  const { metric, direction } = objective;
  let best: LeaderboardEntry | null = null;
  for (const r of results) {
    const old = r.candidates?.[0];
    const entry = r.leader ?? (old ? { trialId: old.trialId, params: old.params, objective: old.inSample[metric] ?? NaN } : null);
    if (!entry || !Number.isFinite(entry.objective)) continue;
    if (!best || (direction === 'maximize' ? entry.objective > best.objective : entry.objective < best.objective)) best = entry;
  }
  return best;
}
