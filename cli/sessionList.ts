import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import { defineSearchAttributeKey } from '@temporalio/common';
import { TuneAlgorithm, TuneBestScore, TuneStrategy, TuneTags, TuneTrialsDone } from '../workflows/searchAttributes';

/** What `tuneflow list --status` selects. */
export const LIST_STATUSES = ['running', 'completed', 'failed', 'cancelled'] as const;
export type ListStatus = (typeof LIST_STATUSES)[number];

/**
 * Execution statuses of each choice, as visibility queries name them. `failed` is every session that ended
 * without a result: failed, terminated or timed out. A session that completed with failed trials is `completed`.
 */
const EXECUTION_STATUSES: Record<ListStatus, string[]> = {
  running: ['Running'],
  completed: ['Completed'],
  failed: ['Failed', 'Terminated', 'TimedOut'],
  cancelled: ['Canceled'],
};

// Sessions of releases that steer a live campaign carry these too; older sessions lack them, so they are optional.
const TuneState = defineSearchAttributeKey('TuneState', 'KEYWORD');
const TuneBudget = defineSearchAttributeKey('TuneBudget', 'INT');

export interface ListFilter {
  /** Every one of these tags (the config's `session.tags`). */
  tags: string[];
  strategy?: string;
  status?: ListStatus;
}

/** One session as `tuneflow list` shows it, from its search attributes. */
export interface SessionRow {
  sessionId: string;
  /** Temporal's execution status, e.g. RUNNING, COMPLETED, FAILED, TERMINATED. */
  status: string;
  /** The session's own state (running, paused, stopping, …) where it publishes one. */
  state: string | null;
  startTime: string;
  closeTime: string | null;
  strategy: string | null;
  algorithm: string | null;
  trialsDone: number | null;
  budget: number | null;
  bestScore: number | null;
  tags: string[];
}

/** A string literal of a visibility query. */
function literal(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

/**
 * The visibility query of a filter. Only session workflows: walk-forward splits (`<session>/split-<k>`) are
 * children of another type. A session that continued as new is listed once, by its latest run.
 */
export function sessionQuery(filter: ListFilter): string {
  const clauses = ["WorkflowType = 'tuningSession'", "ExecutionStatus != 'ContinuedAsNew'"];
  for (const tag of filter.tags) clauses.push(`TuneTags = ${literal(tag)}`);
  if (filter.strategy !== undefined) clauses.push(`TuneStrategy = ${literal(filter.strategy)}`);
  if (filter.status) clauses.push(`ExecutionStatus IN (${EXECUTION_STATUSES[filter.status].map(literal).join(', ')})`);
  return clauses.join(' AND ');
}

function toRow(info: WorkflowExecutionInfo): SessionRow {
  const attributes = info.typedSearchAttributes;
  return {
    sessionId: info.workflowId,
    status: info.status.name,
    state: attributes.get(TuneState) ?? null,
    startTime: info.startTime.toISOString(),
    closeTime: info.closeTime?.toISOString() ?? null,
    strategy: attributes.get(TuneStrategy) ?? null,
    algorithm: attributes.get(TuneAlgorithm) ?? null,
    trialsDone: attributes.get(TuneTrialsDone) ?? null,
    budget: attributes.get(TuneBudget) ?? null,
    bestScore: attributes.get(TuneBestScore) ?? null,
    tags: attributes.get(TuneTags) ?? [],
  };
}

/** Newest first (ties: by id); a session listed twice while visibility catches up with a continue-as-new keeps its latest run. */
function newest(infos: WorkflowExecutionInfo[], limit: number): WorkflowExecutionInfo[] {
  const seen = new Set<string>();
  return infos
    .sort((a, b) => b.startTime.getTime() - a.startTime.getTime() || a.workflowId.localeCompare(b.workflowId))
    .filter((info) => !seen.has(info.workflowId) && seen.add(info.workflowId))
    .slice(0, limit);
}

/**
 * The newest `limit` sessions matching the filter, newest first, and how many match in all. The dev server's
 * SQL visibility cannot order by start time, so every match is read (page by page) and sorted here, keeping
 * at most twice `limit` at a time.
 */
export async function listSessions(client: Client, filter: ListFilter, limit: number): Promise<{ sessions: SessionRow[]; matched: number }> {
  let kept: WorkflowExecutionInfo[] = [];
  const matched = new Set<string>();
  for await (const info of client.workflow.list({ query: sessionQuery(filter) })) {
    matched.add(info.workflowId);
    kept.push(info);
    if (kept.length >= 2 * limit) kept = newest(kept, limit);
  }
  return { sessions: newest(kept, limit).map(toRow), matched: matched.size };
}
