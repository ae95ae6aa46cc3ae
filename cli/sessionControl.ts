import {
  Client,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  type WorkflowExecutionDescription,
  type WorkflowHandle,
} from '@temporalio/client';
import { temporal as proto } from '@temporalio/proto';
import { InputError } from '../errors';
import { SEARCH_ATTRIBUTE_TYPES } from '../workflows/searchAttributes';
import type { tuningSession } from '../workflows';
import { connectClient } from '../workers/connection';
import { resolveTemporal, type TemporalAccess } from './services';

/** How long a command waits for a session's worker to take a control request. */
export const UPDATE_WAIT_MS = 30_000;

export interface RunningSession {
  client: Client;
  handle: WorkflowHandle<typeof tuningSession>;
  temporal: TemporalAccess;
  taskQueue: string;
}

/** A session on the Temporal a command asks, and how the server describes it; an unknown id is an InputError. */
export async function openSession(
  temporal: TemporalAccess,
  sessionId: string,
): Promise<{ client: Client; handle: WorkflowHandle<typeof tuningSession>; description: WorkflowExecutionDescription }> {
  const client = new Client({ connection: await connectClient(temporal.target), namespace: temporal.target.namespace });
  const handle = client.workflow.getHandle<typeof tuningSession>(sessionId);
  try {
    return { client, handle, description: await handle.describe() };
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new InputError(`No session "${sessionId}" on ${temporal.target.address}.`);
    throw err;
  }
}

/**
 * Runs `fn` on a session that is running now, on the Temporal the command uses (never started by it). A
 * session that does not exist or has ended is an InputError naming it.
 */
export async function withRunningSession<T>(sessionId: string, fn: (session: RunningSession) => Promise<T>): Promise<T> {
  const temporal = await resolveTemporal();
  try {
    const { client, handle, description } = await openSession(temporal, sessionId);
    if (description.status.name !== 'RUNNING') {
      throw new InputError(`Session ${sessionId} is not running: it ended as ${description.status.name}. Only a running session can be steered.`);
    }
    return await fn({ client, handle, temporal, taskQueue: description.taskQueue });
  } finally {
    await temporal.release();
  }
}

/**
 * Sends one control update and returns the session's answer. A refusal becomes an InputError with the session's
 * reason; a session whose workers do not take the request within UPDATE_WAIT_MS is reported, never waited on
 * in silence.
 */
export async function sendControl<R>(session: RunningSession, send: () => Promise<R>): Promise<R> {
  await ensureControlAttributes(session);
  try {
    return await session.client.connection.withDeadline(Date.now() + UPDATE_WAIT_MS, send);
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) throw new InputError(err.cause?.message ?? err.message);
    if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError || isDeadlineExceeded(err)) {
      throw new InputError(
        `Session ${session.handle.workflowId} did not answer within ${UPDATE_WAIT_MS / 1000} s: no worker is taking its tasks from task queue ` +
          `"${session.taskQueue}". Start one (\`tuneflow worker\`, or \`tuneflow run <config> --session-id ${session.handle.workflowId}\` on the local stack); ` +
          `the request may still apply when it does, so check with \`tuneflow status ${session.handle.workflowId}\` before sending it again.`,
      );
    }
    throw err;
  }
}

function isDeadlineExceeded(err: unknown): boolean {
  return err instanceof Error && ('code' in err ? (err as { code?: number }).code === 4 : /deadline/i.test(err.message));
}

/**
 * A session records its control state in search attributes (TuneState, TuneBudget); one a server does not know
 * would fail the session's workflow task on every attempt. Servers started by an older tuneflow, or shared ones,
 * get them registered here; where that is not allowed (Temporal Cloud), the message says what to register.
 */
async function ensureControlAttributes(session: RunningSession): Promise<void> {
  const namespace = session.temporal.target.namespace;
  const operator = session.client.connection.operatorService;
  const known = (await operator.listSearchAttributes({ namespace })).customAttributes ?? {};
  const missing = Object.entries(SEARCH_ATTRIBUTE_TYPES).filter(([name]) => !(name in known));
  if (missing.length === 0) return;
  const searchAttributes = Object.fromEntries(missing.map(([name, type]) => [name, indexedType(type)]));
  try {
    await operator.addSearchAttributes({ namespace, searchAttributes });
  } catch (err) {
    throw new InputError(
      `Namespace "${namespace}" lacks the search attributes ${missing.map(([n, t]) => `${n} (${t})`).join(', ')} that a steered session writes, ` +
        `and adding them failed (${err instanceof Error ? err.message : String(err)}). Register them (Temporal Cloud: tcld namespace search-attributes add) and try again.`,
    );
  }
}

const INDEXED: Record<string, proto.api.enums.v1.IndexedValueType> = {
  Keyword: proto.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  KeywordList: proto.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
  Int: proto.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_INT,
  Double: proto.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE,
};

function indexedType(type: string): proto.api.enums.v1.IndexedValueType {
  const indexed = INDEXED[type];
  if (indexed === undefined) throw new Error(`no indexed value type for search attribute type ${type}`);
  return indexed;
}
