import type { LeaderboardEntry, SessionCounts, SessionSummary } from '../../types/session';
import { trialsDone, type WatchSnapshot } from './snapshot';
import { stateWord } from './view';

/** A line of `tuneflow watch --json`: the session's progress at one moment. */
export interface ProgressRecord {
  type: 'progress';
  at: string;
  sessionId: string;
  /** Temporal's status: RUNNING until the session closes. */
  status: string;
  /** RUNNING, PAUSED, STOPPING, DRAINING, WRITING OUTPUTS, … as the live view's header says. */
  state: string;
  done: number;
  budget: number;
  counts: SessionCounts;
  running: number;
  /** Over the last 30 s; null until known. */
  trialsPerSecond: number | null;
  /** For the rest of the budget at that rate; null when unknown. */
  etaSeconds: number | null;
  best: LeaderboardEntry | null;
  /** ISO time after which no new trial starts; null for none. */
  deadline: string | null;
  waitingOn: string | null;
}

/** The last line of `tuneflow watch --json`: how the session ended and the command's exit code. */
export interface EndRecord {
  type: 'end';
  at: string;
  sessionId: string;
  status: string;
  exitCode: number;
  counts: SessionCounts | null;
  best: LeaderboardEntry | null;
  stoppedBy: SessionSummary['stoppedBy'] | null;
  outputDir: string | null;
  /** Why a session that did not complete ended. */
  error: string | null;
}

/** The progress line of a snapshot that holds progress. */
export function progressRecord(s: WatchSnapshot): ProgressRecord {
  const p = s.progress;
  return {
    type: 'progress',
    at: new Date(s.at).toISOString(),
    sessionId: s.sessionId,
    status: s.status,
    state: stateWord(s),
    done: p ? trialsDone(p) : 0,
    budget: p?.budget ?? 0,
    counts: p?.counts ?? { succeeded: 0, failed: 0 },
    running: p?.running ?? 0,
    trialsPerSecond: s.throughput.perSecond === null ? null : Math.round(s.throughput.perSecond * 1000) / 1000,
    etaSeconds: s.throughput.etaMs === null ? null : Math.round(s.throughput.etaMs / 1000),
    best: p?.best ?? null,
    deadline: p?.deadline != null ? new Date(p.deadline).toISOString() : null,
    waitingOn: s.waitingOn,
  };
}

/** The end line: from the session's result when it completed, from `error` otherwise. */
export function endRecord(s: WatchSnapshot, exitCode: number, ending: { summary: SessionSummary } | { error: string }, at: number): EndRecord {
  const summary = 'summary' in ending ? ending.summary : null;
  return {
    type: 'end',
    at: new Date(at).toISOString(),
    sessionId: s.sessionId,
    status: s.status,
    exitCode,
    counts: summary?.counts ?? s.progress?.counts ?? null,
    best: summary ? summary.best : (s.progress?.best ?? null),
    stoppedBy: summary?.stoppedBy ?? null,
    outputDir: summary?.outputDir ?? null,
    error: 'error' in ending ? ending.error : null,
  };
}
