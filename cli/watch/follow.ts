import { QueryNotRegisteredError, type Connection, type WorkflowHandle } from '@temporalio/client';
import type { QueryDefinition } from '@temporalio/common';
import { leaderboardQuery, progressQuery, trialIssuesQuery } from '../../workflows';
import { stalledOn } from '../retries';
import { trialsDone, type FleetRow, type WatchSnapshot } from './snapshot';
import { etaMs, ThroughputWindow } from './throughput';

/** How often the session is asked for its progress. */
const POLL_MS = 1000;
/** How often the fleet is read from the trial store. */
const FLEET_MS = 2000;
/** How often the server is asked whether the session is stuck on retried activities. */
const STALL_CHECK_MS = 10_000;
/**
 * How long a query may take: a session is answered by its workers, and with none polling the server holds
 * a query until its own deadline. The view says so instead of freezing.
 */
const QUERY_TIMEOUT_MS = 5000;

export interface FollowSources {
  handle: WorkflowHandle;
  connection: Connection;
  /** The objective's metric, for headings. */
  metric: string;
  webUi: string | null;
  /** Reads the fleet; null without a trial store at hand. */
  readFleet: (() => Promise<FleetRow[]>) | null;
}

export interface Follower {
  /** What was last learnt of the session. */
  latest(): WatchSnapshot;
  /** Stops asking at once; a question under way is left to finish unheard. */
  stop(): void;
}

/**
 * Asks a running session for its progress once a second and hands `show` a snapshot after each round. The
 * leaderboard is asked for only when a trial succeeded since, recent failures only when the counts of failed
 * or retried trials moved, so watching adds little work for the session's workers. A query the session does
 * not answer (a walk-forward parent keeps no leaderboard; unbatched sessions list no failures) is not asked
 * again.
 */
export function followProgress(sources: FollowSources, show: (snapshot: WatchSnapshot) => void): Follower {
  const { handle, connection } = sources;
  const throughput = new ThroughputWindow();
  let latest: WatchSnapshot = {
    sessionId: handle.workflowId,
    status: 'RUNNING',
    metric: sources.metric,
    progress: null,
    unanswered: null,
    top: null,
    issues: null,
    fleet: null,
    waitingOn: null,
    throughput: { perSecond: null, etaMs: null },
    webUi: sources.webUi,
    result: null,
    at: Date.now(),
  };
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let asksTop = true;
  let asksIssues = true;
  let topAsOf: number | null = null;
  let issuesAsOf: string | null = null;
  let nextFleet = 0;
  let nextStallCheck = 0;

  const ask = <T>(query: QueryDefinition<T>): Promise<T> => connection.withDeadline(Date.now() + QUERY_TIMEOUT_MS, () => handle.query(query));

  const round = async (): Promise<void> => {
    const at = Date.now();
    let { progress, top, issues, fleet, waitingOn } = latest;
    let unanswered: string | null = null;
    try {
      progress = await ask(progressQuery);
    } catch (err) {
      unanswered = whyUnanswered(err);
    }
    if (progress && unanswered === null) {
      throughput.add(at, trialsDone(progress));
      if (asksTop && topAsOf !== progress.counts.succeeded) {
        try {
          top = await ask(leaderboardQuery);
          topAsOf = progress.counts.succeeded;
        } catch (err) {
          if (err instanceof QueryNotRegisteredError) [asksTop, top] = [false, null];
        }
      }
      const issuesKey = `${progress.counts.failed}/${progress.counts.retried ?? 0}`;
      if (asksIssues && issuesAsOf !== issuesKey) {
        try {
          issues = await ask(trialIssuesQuery);
          issuesAsOf = issuesKey;
        } catch (err) {
          if (err instanceof QueryNotRegisteredError) [asksIssues, issues] = [false, null];
        }
      }
    }
    if (sources.readFleet && at >= nextFleet) {
      nextFleet = at + FLEET_MS;
      fleet = await sources.readFleet().catch(() => fleet);
    }
    if (at >= nextStallCheck) {
      nextStallCheck = at + STALL_CHECK_MS;
      waitingOn = await stalledOn(handle).catch(() => waitingOn);
    }
    const perSecond = throughput.perSecond();
    const remaining = progress ? Math.max(0, progress.budget - trialsDone(progress)) : 0;
    latest = { ...latest, progress, unanswered, top, issues, fleet, waitingOn, throughput: { perSecond, etaMs: progress ? etaMs(remaining, perSecond) : null }, at };
  };

  const loop = async (): Promise<void> => {
    await round();
    if (stopped) return;
    show(latest);
    timer = setTimeout(() => void loop(), POLL_MS);
  };
  // Shown at once: with no worker polling, the first answer takes seconds.
  show(latest);
  void loop();
  return {
    latest: () => latest,
    stop: () => {
      stopped = true;
      clearTimeout(timer);
    },
  };
}

/** One line on why a query went unanswered: the client wraps the server's reason in "Failed to query Workflow". */
function whyUnanswered(err: unknown): string {
  let innermost = err;
  while (innermost instanceof Error && innermost.cause instanceof Error) innermost = innermost.cause;
  const message = innermost instanceof Error ? innermost.message : String(innermost);
  if (/deadline/i.test(message)) return "no worker answered (is one polling the session's task queue?)";
  return message.split('\n')[0].slice(0, 200);
}
