import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LeaderboardEntry, SessionProgress, SessionSummary } from '../../types/session';
import { finalSnapshot, type FleetRow, type WatchSnapshot } from '../../cli/watch/snapshot';
import { fit, formatDuration, formatRate, progressBar, renderView, stateWord } from '../../cli/watch/view';

const NOW = Date.UTC(2026, 0, 5, 12, 0, 0);

function entry(trialId: number, objective: number): LeaderboardEntry {
  return { trialId, objective, params: { fast: trialId % 50, slow: 100 + trialId } };
}

function progress(over: Partial<SessionProgress> = {}): SessionProgress {
  return { sessionId: 'wf-1', phase: 'running', counts: { succeeded: 400, failed: 12, retried: 3 }, running: 16, budget: 1000, best: entry(87, 1.2345), runs: 1, ...over };
}

function fleet(n: number): FleetRow[] {
  return Array.from({ length: n }, (_, i) => ({ workerId: `w${i + 1}`, alive: i < n - 1, running: i < n - 1 ? 8 : 0, done: 100 - i, failed: i, busyMs: 1000 * (i + 1) }));
}

function snapshot(over: Partial<WatchSnapshot> = {}): WatchSnapshot {
  return {
    sessionId: 'wf-1',
    status: 'RUNNING',
    metric: 'sharpe',
    progress: progress(),
    unanswered: null,
    top: [entry(87, 1.2345), entry(12, 1.1), entry(40, 0.9), entry(3, 0.5), entry(77, 0.4), entry(9, 0.3), entry(10, 0.2)],
    issues: [
      { trialId: 17, attempts: 3, error: 'InvalidParameters: fast must be below slow' },
      { trialId: 23, attempts: 2 },
    ],
    fleet: fleet(2),
    waitingOn: null,
    throughput: { perSecond: 38.24, etaMs: 15_400 },
    webUi: 'http://127.0.0.1:8233/namespaces/default/workflows/wf-1',
    result: null,
    at: NOW,
    ...over,
  };
}

const WIDE = { columns: 120, rows: 40 };

describe('the live view', () => {
  it('draws the progress bar with counts, trials/s and ETA', () => {
    const lines = renderView(snapshot(), WIDE, NOW);
    assert.equal(lines[0], 'Session wf-1 · RUNNING');
    assert.equal(lines[1], `${progressBar(0.412, 40)} 412/1,000 trials  41%  38.2 trials/s  ETA 15s`);
    assert.equal(lines[2], '400 succeeded · 12 failed · 3 retried · 16 running');
    assert.equal(lines[3], 'Best sharpe 1.2345 · trial #87 · fast=37 slow=187');
  });

  it('lists the top 5 of a longer leaderboard, best first', () => {
    const lines = renderView(snapshot(), WIDE, NOW);
    const at = lines.indexOf('Top 5 by sharpe');
    assert.ok(at > 0, lines.join('\n'));
    assert.match(lines[at + 1], /^rank\s+trial\s+fast\s+slow\s+sharpe$/);
    assert.deepEqual(
      lines.slice(at + 2, at + 7).map((l) => l.split(/\s+/).slice(0, 2).join(' ')),
      ['1 #87', '2 #12', '3 #40', '4 #3', '5 #77'],
    );
    assert.equal(lines[at + 7], '', 'a sixth row is not shown');
  });

  it('shows the fleet with each worker\'s trials and share of the busy time', () => {
    const lines = renderView(snapshot(), WIDE, NOW);
    const at = lines.findIndex((l) => l.startsWith('Fleet:'));
    assert.match(lines[at], /^Fleet: 1 alive, 1 gone/);
    assert.match(lines[at + 1], /^worker\s+state\s+running\s+done\s+failed\s+busy$/);
    assert.match(lines[at + 2], /^w1\s+alive\s+8\s+100\s+0\s+33%$/);
    assert.match(lines[at + 3], /^w2\s+gone\s+0\s+99\s+1\s+67%$/);
    assert.deepEqual(renderView(snapshot({ fleet: [] }), WIDE, NOW).filter((l) => l.startsWith('Fleet')), ['Fleet: no worker has reported yet']);
    assert.ok(!renderView(snapshot({ fleet: null }), WIDE, NOW).some((l) => l.startsWith('Fleet')), 'no fleet block before the store is read');
  });

  it('lists recent failures newest first, and the counts of failed and retried trials', () => {
    const lines = renderView(snapshot(), WIDE, NOW);
    const at = lines.indexOf('Failures: 12 failed, 3 retried');
    assert.ok(at > 0, lines.join('\n'));
    assert.equal(lines[at + 1], '#23  2 attempts  succeeded after retries');
    assert.equal(lines[at + 2], '#17  3 attempts  InvalidParameters: fast must be below slow');
    const clean = snapshot({ progress: progress({ counts: { succeeded: 10, failed: 0 } }), issues: [] });
    assert.ok(!renderView(clean, WIDE, NOW).some((l) => l.startsWith('Failures')), 'no failures block without failures');
  });

  it('says PAUSED, STOPPING and the deadline when the session reports them', () => {
    const deadline = NOW + 62 * 60_000;
    assert.match(renderView(snapshot({ progress: progress({ paused: true, deadline }) }), WIDE, NOW)[0], /^Session wf-1 · PAUSED · deadline \d\d:\d\d:\d\d \(in 1h 02m\)$/);
    assert.match(renderView(snapshot({ progress: progress({ paused: true, stopping: true }) }), WIDE, NOW)[0], /^Session wf-1 · STOPPING$/);
    assert.match(renderView(snapshot({ progress: progress({ deadline: NOW - 1 }) }), WIDE, NOW)[0], /deadline \d\d:\d\d:\d\d passed$/);
    assert.equal(renderView(snapshot({ progress: progress({ runs: 3, batch: 16, deadline: null }) }), WIDE, NOW)[0], 'Session wf-1 · RUNNING · run 3 · batch 16');
  });

  it('names each state of a session', () => {
    const word = (over: Partial<WatchSnapshot>) => stateWord({ ...snapshot(), ...over });
    assert.equal(word({ progress: progress({ phase: 'draining' }) }), 'DRAINING');
    assert.equal(word({ progress: progress({ phase: 'aggregating' }) }), 'WRITING OUTPUTS');
    assert.equal(word({ progress: null }), 'RUNNING');
    assert.equal(word({ status: 'CANCELLED' }), 'CANCELLED');
    assert.equal(word({ status: 'COMPLETED', result: { stoppedBy: 'deadline', outputDir: '/o' } }), 'COMPLETED (stopped at the deadline)');
  });

  it('says why there is no progress yet, and when the session stopped answering', () => {
    assert.equal(renderView(snapshot({ progress: null }), WIDE, NOW)[1], 'Asking the session for its progress…');
    const silent = snapshot({ progress: null, unanswered: 'no worker answered' });
    assert.equal(renderView(silent, WIDE, NOW)[1], 'Waiting for the session to answer: no worker answered');
    assert.ok(renderView(snapshot({ unanswered: 'no worker answered' }), WIDE, NOW).includes('Not answering now, so this is its last answer: no worker answered'));
    assert.equal(renderView(snapshot({ progress: null, status: 'TERMINATED' }), WIDE, NOW)[1], 'No progress to show: the session had ended.');
  });

  it('puts what the session waits on right under the best trial', () => {
    const lines = renderView(snapshot({ waitingOn: 'aggregateSession attempt 7: connect ECONNREFUSED' }), WIDE, NOW);
    assert.equal(lines[4], 'Waiting on retries: aggregateSession attempt 7: connect ECONNREFUSED');
  });

  it('leaves the ETA and rate out once the session closed, and shows where the outputs are', () => {
    const summary: SessionSummary = {
      sessionId: 'wf-1',
      status: 'completed',
      counts: { succeeded: 988, failed: 12 },
      best: entry(87, 1.2345),
      leaderboard: [entry(87, 1.2345)],
      outputDir: '/tmp/out/wf-1',
      files: [],
      stoppedBy: 'complete',
      runs: 2,
    };
    const lines = renderView(finalSnapshot(snapshot(), summary, NOW), WIDE, NOW);
    assert.equal(lines[0], 'Session wf-1 · COMPLETED · run 2');
    assert.equal(lines[1], `${progressBar(1, 40)} 1,000/1,000 trials  100%`);
    assert.ok(lines.includes('Outputs: /tmp/out/wf-1'));
  });

  it('keeps every line within narrow widths, dropping the bar first', () => {
    for (const columns of [1, 8, 20, 33, 50, 79]) {
      const lines = renderView(snapshot({ waitingOn: 'x'.repeat(200) }), { columns, rows: 40 }, NOW);
      for (const line of lines) assert.ok([...line].length <= columns, `${columns} columns: "${line}"`);
    }
    assert.ok(renderView(snapshot(), { columns: 80, rows: 40 }, NOW)[1].startsWith('['));
    assert.ok(!renderView(snapshot(), { columns: 50, rows: 40 }, NOW)[1].startsWith('['), 'no room for a useful bar');
    assert.equal(renderView(snapshot(), { columns: 20, rows: 40 }, NOW)[1], '412/1,000 trials  4…');
  });

  it('fits short terminals: essentials first, tables cut with a count of what is left out', () => {
    for (let rows = 1; rows <= 40; rows++) {
      const lines = renderView(snapshot({ fleet: fleet(12) }), { columns: 120, rows }, NOW);
      assert.ok(lines.length <= Math.max(1, rows - 1), `${rows} rows: ${lines.length} lines`);
      assert.equal(lines[0], 'Session wf-1 · RUNNING');
    }
    const lines = renderView(snapshot({ fleet: fleet(12) }), { columns: 120, rows: 20 }, NOW);
    assert.equal(lines.length, 19);
    const at = lines.findIndex((l) => l.startsWith('Fleet:'));
    assert.ok(at > 0, lines.join('\n'));
    assert.match(lines[lines.length - 1], /^… \d+ more$/);
  });

  it('shows text from the session escaped, so it cannot drive the terminal', () => {
    const evil = snapshot({ top: [{ trialId: 1, objective: 1, params: { mode: 'a\u001b[2Jb' } }], progress: progress({ best: null }) });
    const lines = renderView(evil, WIDE, NOW);
    assert.ok(lines.every((l) => !l.includes('\u001b')), lines.join('\n'));
    assert.ok(lines.some((l) => l.includes('a\\u001b[2Jb')));
  });
});

describe('the view\'s formatting', () => {
  it('fills the bar in proportion, within bounds', () => {
    assert.equal(progressBar(0, 4), '[░░░░]');
    assert.equal(progressBar(0.5, 4), '[██░░]');
    assert.equal(progressBar(1, 4), '[████]');
    assert.equal(progressBar(7, 4), '[████]');
    assert.equal(progressBar(-1, 4), '[░░░░]');
  });

  it('formats durations and rates', () => {
    assert.equal(formatDuration(0), '0s');
    assert.equal(formatDuration(45_400), '45s');
    assert.equal(formatDuration(125_000), '2m 05s');
    assert.equal(formatDuration(3_720_000), '1h 02m');
    assert.equal(formatDuration(3 * 86_400_000 + 4 * 3_600_000), '3d 04h');
    assert.equal(formatRate(null), '-');
    assert.equal(formatRate(0.456), '0.46');
    assert.equal(formatRate(38.24), '38.2');
    assert.equal(formatRate(1234.4), '1,234');
  });

  it('cuts a line with an ellipsis', () => {
    assert.equal(fit('abcdef', 6), 'abcdef');
    assert.equal(fit('abcdef', 4), 'abc…');
    assert.equal(fit('abcdef', 1), '…');
  });
});
