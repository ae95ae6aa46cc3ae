import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { WorkerStats } from '../../store/redis/workerStats';
import { jsonLinesDisplay, linearDisplay } from '../../cli/watch/displays';
import { trialSessionIds } from '../../cli/watch/fleet';
import { endRecord, progressRecord } from '../../cli/watch/records';
import { addTotals, finalSnapshot, fleetRows, type WatchSnapshot } from '../../cli/watch/snapshot';
import { etaMs, ThroughputWindow } from '../../cli/watch/throughput';
import type { SessionProgress, SessionSummary } from '../../types/session';

const NOW = 1_800_000_000_000;

function worker(workerId: string, lastSeen: number, currentTrials = 0): WorkerStats {
  return { workerId, trialsDone: 0, trialsFailed: 0, trialsRetried: 0, busyMs: 0, meanTrialMs: null, currentTrials, lastSeen, startedAt: 0, host: 'h' };
}

function progress(done: number, over: Partial<SessionProgress> = {}): SessionProgress {
  return { sessionId: 's', phase: 'running', counts: { succeeded: done, failed: 0 }, running: 4, budget: 100, best: null, runs: 1, ...over };
}

function snapshot(p: SessionProgress | null, over: Partial<WatchSnapshot> = {}): WatchSnapshot {
  return {
    sessionId: 's',
    status: 'RUNNING',
    metric: 'sharpe',
    progress: p,
    unanswered: null,
    top: null,
    issues: null,
    fleet: null,
    waitingOn: null,
    throughput: { perSecond: null, etaMs: null },
    webUi: null,
    result: null,
    at: NOW,
    ...over,
  };
}

/** A stream that keeps what is written to it. */
function sink(): { stream: NodeJS.WritableStream; lines: () => string[] } {
  let text = '';
  const stream = { write: (chunk: string) => ((text += chunk), true) } as unknown as NodeJS.WritableStream;
  return { stream, lines: () => text.split('\n').filter(Boolean) };
}

describe('trials per second over a moving window', () => {
  it('is unknown until the samples span two seconds, then counts trials over time', () => {
    const w = new ThroughputWindow(30_000);
    w.add(0, 0);
    assert.equal(w.perSecond(), null);
    w.add(1000, 10);
    assert.equal(w.perSecond(), null);
    w.add(4000, 40);
    assert.equal(w.perSecond(), 10);
  });

  it('forgets what is older than the window, so a pause brings the rate down to zero', () => {
    const w = new ThroughputWindow(10_000);
    for (let t = 0; t <= 20_000; t += 1000) w.add(t, t / 10);
    assert.equal(w.perSecond(), 100);
    for (let t = 21_000; t <= 31_000; t += 1000) w.add(t, 2000);
    assert.equal(w.perSecond(), 0);
  });

  it('starts over when the count goes down', () => {
    const w = new ThroughputWindow();
    w.add(0, 0);
    w.add(5000, 500);
    w.add(6000, 3);
    assert.equal(w.perSecond(), null);
  });

  it('gives an ETA for the trials left, none while nothing finishes', () => {
    assert.equal(etaMs(100, 10), 10_000);
    assert.equal(etaMs(100, 0), null);
    assert.equal(etaMs(100, null), null);
    assert.equal(etaMs(0, null), 0);
  });
});

describe('the fleet of a watched session', () => {
  it('lists workers that ran its trials or are alive, alive first, busiest first', () => {
    const workers = [worker('idle', NOW - 1000, 2), worker('gone-helper', NOW - 60_000), worker('gone-stranger', NOW - 60_000), worker('busy', NOW - 5000, 8)];
    const totals = { 'gone-helper': { done: 50, failed: 1, busy_ms: 4000 }, busy: { done: 70, failed: 0, busy_ms: 6000 }, deleted: { done: 3, failed: 0, busy_ms: 100 } };
    const rows = fleetRows(workers, totals, NOW, 30_000);
    assert.deepEqual(
      rows.map((r) => [r.workerId, r.alive, r.running, r.done]),
      [
        ['busy', true, 8, 70],
        ['idle', true, 2, 0],
        ['gone-helper', false, 0, 50],
        ['deleted', false, 0, 3],
      ],
    );
  });

  it('adds up the totals of a walk-forward session\'s splits', () => {
    assert.deepEqual(trialSessionIds('wf', { walkForward: { splits: [{ k: 0 }, { k: 1 }] } as never }), ['wf/split-0', 'wf/split-1']);
    assert.deepEqual(trialSessionIds('s', null), ['s']);
    const sum = addTotals([{ a: { done: 2, failed: 1, retried: 0, busy_ms: 10 } }, { a: { done: 3, failed: 0, retried: 1, busy_ms: 5 }, b: { done: 1 } }]);
    assert.deepEqual(sum, { a: { done: 5, failed: 1, busy_ms: 15 }, b: { done: 1, failed: 0, busy_ms: 0 } });
  });
});

describe('the final state of a completed session', () => {
  const summary = (stoppedBy: SessionSummary['stoppedBy']): SessionSummary => ({
    sessionId: 's',
    status: 'completed',
    counts: { succeeded: 40, failed: 0 },
    best: null,
    leaderboard: [],
    outputDir: '/o',
    files: [],
    stoppedBy,
    runs: 1,
  });

  it('is full when the search was used up, and shows how far it got when the deadline stopped it', () => {
    const latest = snapshot(progress(30, { budget: 100 }), { throughput: { perSecond: 3, etaMs: 1000 }, waitingOn: 'x' });
    const complete = finalSnapshot(latest, summary('complete'), NOW);
    assert.equal(complete.status, 'COMPLETED');
    assert.equal(complete.progress?.budget, 40);
    assert.deepEqual(complete.throughput, { perSecond: null, etaMs: null });
    assert.equal(complete.waitingOn, null);
    assert.equal(finalSnapshot(latest, summary('deadline'), NOW).progress?.budget, 100);
  });
});

describe('JSON lines of progress', () => {
  it('prints a parseable line per change, not per poll', () => {
    const out = sink();
    const display = jsonLinesDisplay(out.stream);
    display.show(snapshot(null));
    display.show(snapshot(progress(10)));
    display.show(snapshot(progress(10), { at: NOW + 1000 }));
    display.show(snapshot(progress(20), { throughput: { perSecond: 10.12345, etaMs: 8000 } }));
    display.close(snapshot(progress(100, { phase: 'done' }), { status: 'COMPLETED' }));
    const records = out.lines().map((l) => JSON.parse(l) as ReturnType<typeof progressRecord>);
    assert.deepEqual(records.map((r) => [r.type, r.done, r.status]), [
      ['progress', 10, 'RUNNING'],
      ['progress', 20, 'RUNNING'],
      ['progress', 100, 'COMPLETED'],
    ]);
    assert.equal(records[1].trialsPerSecond, 10.123);
    assert.equal(records[1].etaSeconds, 8);
    assert.equal(records[0].at, new Date(NOW).toISOString());
  });

  it('ends with a record of how the session ended and the exit code', () => {
    const failed = endRecord(snapshot(progress(10), { status: 'FAILED' }), 2, { error: 'session failed: boom' }, NOW);
    assert.deepEqual([failed.status, failed.exitCode, failed.error, failed.counts?.succeeded], ['FAILED', 2, 'session failed: boom', 10]);
    const s: SessionSummary = { sessionId: 's', status: 'completed', counts: { succeeded: 5, failed: 0 }, best: null, leaderboard: [], outputDir: '/o', files: [], stoppedBy: 'complete', runs: 1 };
    const done = endRecord(snapshot(progress(4), { status: 'COMPLETED' }), 1, { summary: s }, NOW);
    assert.deepEqual([done.exitCode, done.outputDir, done.counts?.succeeded, done.error], [1, '/o', 5, null]);
  });
});

describe('plain progress lines of `run` off a terminal', () => {
  it('prints a line at every tenth of the budget and each new stall', () => {
    const out = sink();
    const display = linearDisplay(out.stream);
    for (const done of [0, 3, 10, 10, 15, 20]) display.show(snapshot(progress(done)));
    display.show(snapshot(progress(20), { waitingOn: 'aggregateSession attempt 4: ECONNREFUSED' }));
    display.show(snapshot(progress(20), { waitingOn: 'aggregateSession attempt 4: ECONNREFUSED' }));
    assert.deepEqual(out.lines(), [
      '0/100 trials, 4 running, 0 failed',
      '10/100 trials, 4 running, 0 failed',
      '20/100 trials, 4 running, 0 failed',
      'Waiting on retries: aggregateSession attempt 4: ECONNREFUSED',
    ]);
  });
});
