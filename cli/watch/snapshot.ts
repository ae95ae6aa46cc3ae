import type { WorkerStats } from '../../store/redis/workerStats';
import { finishedTrials, type LeaderboardEntry, type SessionProgress, type SessionSummary, type TrialIssue } from '../../types/session';

/** One worker as the live view shows it: its trials for the watched session, beside its state in the fleet. */
export interface FleetRow {
  workerId: string;
  alive: boolean;
  /** Trials it runs now, for any session. */
  running: number;
  /** Its finished trials of the watched session. */
  done: number;
  failed: number;
  /** Time it spent on the watched session's trials. */
  busyMs: number;
}

/** A worker's totals for one session, as WorkerStatsStore.sessionTotals keeps them. */
export interface SessionTotals {
  done: number;
  failed: number;
  busy_ms: number;
}

/** What `watch` knows of a session at one moment: what the live view draws and the JSON lines print. */
export interface WatchSnapshot {
  sessionId: string;
  /** Temporal's status of the session: RUNNING until it closes, then COMPLETED, FAILED, CANCELLED, … */
  status: string;
  /** The objective's metric, for headings. */
  metric: string;
  /** Null until the session's workers answer the progress query. */
  progress: SessionProgress | null;
  /** Why the latest progress query went unanswered (no worker polls, an outage); null when it was answered. */
  unanswered: string | null;
  /** The best trials, best first; null when the session does not keep a leaderboard (a walk-forward parent). */
  top: LeaderboardEntry[] | null;
  /** Recent failed and retried trials, newest last; null when the session does not report them. */
  issues: TrialIssue[] | null;
  /** Null until the trial store has been read. */
  fleet: FleetRow[] | null;
  /** What the session waits on, when an activity keeps being retried (see stalledOn). */
  waitingOn: string | null;
  /** Trials finished per second over the recent window, and the time left for the rest of the budget. */
  throughput: { perSecond: number | null; etaMs: number | null };
  webUi: string | null;
  /** How a completed session ended, from its result; null until then. */
  result: Pick<SessionSummary, 'stoppedBy' | 'outputDir'> | null;
  /** When it was taken (epoch ms). */
  at: number;
}

/** Trials finished, successfully or not. */
export function trialsDone(progress: Pick<SessionProgress, 'counts'>): number {
  return finishedTrials(progress.counts);
}

/**
 * The fleet as the watched session sees it: every worker that ran its trials (alive or gone) and every live
 * worker that could; alive first, then by trials done. `totals` are per worker, summed over the session's
 * own trial records.
 */
export function fleetRows(workers: WorkerStats[], totals: Record<string, SessionTotals>, now: number, aliveWithinMs: number): FleetRow[] {
  const rows: FleetRow[] = [];
  const known = new Set<string>();
  for (const w of workers) {
    known.add(w.workerId);
    const alive = now - w.lastSeen <= aliveWithinMs;
    const own = totals[w.workerId];
    if (!alive && !own) continue;
    rows.push({ workerId: w.workerId, alive, running: alive ? w.currentTrials : 0, done: own?.done ?? 0, failed: own?.failed ?? 0, busyMs: own?.busy_ms ?? 0 });
  }
  // A worker's session totals outlive its fleet record only if someone deleted the record; still its trials count.
  for (const [workerId, own] of Object.entries(totals)) {
    if (!known.has(workerId)) rows.push({ workerId, alive: false, running: 0, done: own.done, failed: own.failed, busyMs: own.busy_ms });
  }
  return rows.sort((a, b) => Number(b.alive) - Number(a.alive) || b.done + b.failed - (a.done + a.failed) || a.workerId.localeCompare(b.workerId));
}

/** Per-worker totals of several sessions (a walk-forward session's splits) added up. */
export function addTotals(parts: Array<Record<string, Record<string, number>>>): Record<string, SessionTotals> {
  const sum: Record<string, SessionTotals> = {};
  for (const part of parts) {
    for (const [workerId, t] of Object.entries(part)) {
      const into = (sum[workerId] ??= { done: 0, failed: 0, busy_ms: 0 });
      into.done += t.done ?? 0;
      into.failed += t.failed ?? 0;
      into.busy_ms += t.busy_ms ?? 0;
    }
  }
  return sum;
}

/**
 * The last snapshot of a completed session, from its result: a closed session's queries need a worker to
 * replay it, and none may be left.
 */
export function finalSnapshot(latest: WatchSnapshot, summary: SessionSummary, at: number): WatchSnapshot {
  const done = trialsDone(summary);
  const progress: SessionProgress = {
    sessionId: summary.sessionId,
    phase: 'done',
    counts: summary.counts,
    running: 0,
    // A session that used up its search is full, even when its space held fewer points than the budget; one
    // stopped at its deadline shows how far it got.
    budget: summary.stoppedBy === 'complete' ? done : Math.max(latest.progress?.budget ?? done, done),
    best: summary.best,
    runs: summary.runs,
  };
  return {
    ...latest,
    status: 'COMPLETED',
    progress,
    unanswered: null,
    top: summary.leaderboard,
    waitingOn: null,
    throughput: { perSecond: null, etaMs: null },
    result: { stoppedBy: summary.stoppedBy, outputDir: summary.outputDir },
    at,
  };
}
