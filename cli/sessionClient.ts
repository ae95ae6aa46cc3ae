import { Client, WorkflowNotFoundError, type WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter, type SearchAttributePair } from '@temporalio/common';
import { InputError } from '../errors';
import type { SessionSpec, SessionSummary, WarmStartNote } from '../types/session';
import { TuneAlgorithm, TuneSession, TuneStrategy, TuneTags } from '../workflows/searchAttributes';
import type { RetryFailedInput, SessionInput, tuningSession } from '../workflows';

export type SessionHandle = WorkflowHandle<typeof tuningSession>;

export type StartOutcome =
  | { kind: 'started'; handle: SessionHandle }
  | { kind: 'attached'; handle: SessionHandle }
  | { kind: 'finished'; handle: SessionHandle }
  | { kind: 'ended'; handle: SessionHandle; status: string };

/** What a command following a session starts it with: the session's spec and how the start went. */
export interface SessionStart {
  spec: SessionSpec;
  outcome: StartOutcome;
  /** Said instead of the usual line about how the session was started. */
  headline?: string;
  /** What the check of a new session's warm start found. */
  warmStart?: WarmStartNote;
}

/**
 * Starts the session workflow, or attaches to it when a workflow with that session id already exists:
 * running again after Ctrl-C continues the same session instead of starting it over. `beforeStart` runs only
 * when the session is new, before it starts: a check that throws leaves nothing started.
 */
export async function startOrAttach(client: Client, spec: SessionSpec, beforeStart: () => Promise<void> = async () => undefined): Promise<StartOutcome> {
  const existing = client.workflow.getHandle<typeof tuningSession>(spec.sessionId);
  try {
    const description = await existing.describe();
    const status = description.status.name;
    if (status === 'RUNNING') return { kind: 'attached', handle: existing };
    if (status === 'COMPLETED' || status === 'CONTINUED_AS_NEW') return { kind: 'finished', handle: existing };
    return { kind: 'ended', handle: existing, status };
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
  }
  await beforeStart();
  const handle = await client.workflow.start<typeof tuningSession>('tuningSession', {
    workflowId: spec.sessionId,
    taskQueue: spec.taskQueue,
    args: [{ spec }],
    // A second `tuneflow run` racing this one attaches instead of failing or starting a twin.
    workflowIdConflictPolicy: 'USE_EXISTING',
    typedSearchAttributes: searchAttributesOf(spec),
    staticSummary: `${strategyLabel(spec)} · ${spec.search.algorithm} · ${spec.search.trials} trials · ${(spec.objectives ?? [spec.objective]).map((o) => o.metric).join(' & ')}`.slice(0, 200),
    staticDetails: `Data: \`${spec.evaluator.dataPath}\`\n\nParameters: ${Object.keys(spec.search.space).join(', ')}; parallelism ${spec.search.parallelism}, seed ${spec.search.seed}.`,
  });
  return { kind: 'started', handle };
}

/** The strategy's name, or the external command's program for command evaluators. */
export function strategyLabel(spec: SessionSpec): string {
  return spec.evaluator.kind === 'backtest' ? spec.evaluator.strategy : `command:${spec.evaluator.command.join(' ')}`.slice(0, 100);
}

function searchAttributesOf(spec: SessionSpec): SearchAttributePair[] {
  return [
    { key: TuneSession, value: spec.sessionId },
    { key: TuneStrategy, value: strategyLabel(spec) },
    { key: TuneAlgorithm, value: spec.search.algorithm },
    { key: TuneTags, value: spec.tags },
  ];
}

/**
 * For `tuneflow retry-failed`: starts a new run of a completed session (same session id) that runs its finally
 * failed trials again, or attaches to that run while it goes on. The spec is the session's own, read from the
 * input of its latest run, so the trials run exactly as they first did.
 */
export async function retryFailedTrials(client: Client, sessionId: string): Promise<SessionStart> {
  const handle = client.workflow.getHandle<typeof tuningSession>(sessionId);
  let status: string;
  try {
    status = (await handle.describe()).status.name;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new InputError(`No session "${sessionId}" on this Temporal server.`);
    throw err;
  }
  const { input, startedAt } = await latestRun(handle);
  const spec = input.spec;
  if (status === 'RUNNING') {
    return { spec, outcome: { kind: 'attached', handle }, headline: `Session ${sessionId} is running: attaching to it.` };
  }
  if (status !== 'COMPLETED') {
    throw new InputError(`Session ${sessionId} ended as ${status}; retry-failed runs the failed trials of a session that completed, whose counts and outputs it updates.`);
  }
  if (spec.walkForward) {
    throw new InputError(`Session ${sessionId} is a walk-forward session; retry-failed runs the failed trials of a plain session (a walk-forward session's splits are chosen and aggregated together).`);
  }
  const summary = (await handle.result()) as SessionSummary;
  if (summary.counts.failed === 0) {
    return { spec, outcome: { kind: 'finished', handle }, headline: `Session ${sessionId} has no failed trials: nothing to run again.` };
  }
  const retry: RetryFailedInput = {
    base: { counts: summary.counts, leaderboard: summary.leaderboard, runs: summary.runs, startedAt, stoppedBy: summary.stoppedBy },
    after: 0,
  };
  const started = await client.workflow.start<typeof tuningSession>('tuningSession', {
    workflowId: sessionId,
    taskQueue: spec.taskQueue,
    args: [{ spec, retry }],
    workflowIdReusePolicy: 'ALLOW_DUPLICATE',
    typedSearchAttributes: searchAttributesOf(spec),
    staticSummary: `${strategyLabel(spec)} · retry of ${summary.counts.failed} failed trials`.slice(0, 200),
  });
  return {
    spec,
    outcome: { kind: 'started', handle: started },
    headline: `Started a new run of session ${sessionId} that runs its ${summary.counts.failed} failed trials again.`,
  };
}

/** The input of a session's latest run and when the session started (carried through continue-as-new). */
async function latestRun(handle: SessionHandle): Promise<{ input: SessionInput; startedAt: number }> {
  const first = (await handle.fetchHistory()).events?.[0];
  const payload = first?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
  if (!first || !payload) throw new Error(`session ${handle.workflowId}: its latest run has no recorded input`);
  const input = defaultPayloadConverter.fromPayload<SessionInput>(payload);
  const runStart = Number(first.eventTime?.seconds ?? 0) * 1000 + Math.floor((first.eventTime?.nanos ?? 0) / 1e6);
  return { input, startedAt: input.retry?.base.startedAt ?? input.carry?.startedAt ?? runStart };
}
