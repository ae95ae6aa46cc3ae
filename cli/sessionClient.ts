import { Client, WorkflowNotFoundError, type WorkflowHandle } from '@temporalio/client';
import type { SessionSpec } from '../types/session';
import { TuneAlgorithm, TuneSession, TuneStrategy, TuneTags } from '../workflows/searchAttributes';
import type { tuningSession } from '../workflows';

export type SessionHandle = WorkflowHandle<typeof tuningSession>;

export type StartOutcome =
  | { kind: 'started'; handle: SessionHandle }
  | { kind: 'attached'; handle: SessionHandle }
  | { kind: 'finished'; handle: SessionHandle }
  | { kind: 'ended'; handle: SessionHandle; status: string };

/**
 * Starts the session workflow, or attaches to it when a workflow with that session id already exists:
 * running again after Ctrl-C continues the same session instead of starting it over.
 */
export async function startOrAttach(client: Client, spec: SessionSpec): Promise<StartOutcome> {
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
  const handle = await client.workflow.start<typeof tuningSession>('tuningSession', {
    workflowId: spec.sessionId,
    taskQueue: spec.taskQueue,
    args: [{ spec }],
    // A second `tuneflow run` racing this one attaches instead of failing or starting a twin.
    workflowIdConflictPolicy: 'USE_EXISTING',
    typedSearchAttributes: [
      { key: TuneSession, value: spec.sessionId },
      { key: TuneStrategy, value: strategyLabel(spec) },
      { key: TuneAlgorithm, value: spec.search.algorithm },
      { key: TuneTags, value: spec.tags },
    ],
    staticSummary: `${strategyLabel(spec)} · ${spec.search.algorithm} · ${spec.search.trials} trials · ${spec.objective.metric}`.slice(0, 200),
    staticDetails: `Data: \`${spec.evaluator.dataPath}\`\n\nParameters: ${Object.keys(spec.search.space).join(', ')}; parallelism ${spec.search.parallelism}, seed ${spec.search.seed}.`,
  });
  return { kind: 'started', handle };
}

/** The strategy's name, or the external command's program for command evaluators. */
export function strategyLabel(spec: SessionSpec): string {
  return spec.evaluator.kind === 'backtest' ? spec.evaluator.strategy : `command:${spec.evaluator.command.join(' ')}`.slice(0, 100);
}
