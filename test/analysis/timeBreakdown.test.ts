import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderReportHtml } from '../../analysis';
import { histogramQuantile, mergeSessionTimes, SLOWEST_KEPT, timeBreakdown, wallBucket, type BatchTime, type SessionTimes } from '../../analysis/timeBreakdown';
import { TRIAL_PHASES, type PhaseMs } from '../../types/session';
import { trial } from './fixtures';

function phases(p: Partial<PhaseMs>): PhaseMs {
  return { load: 0, indicators: 0, simulation: 0, statistics: 0, evaluate: 0, store: 0, ...p };
}

function batch(first: number, wallMs: number, p: Partial<PhaseMs>, workerId = 'w1'): BatchTime {
  return { firstTrialId: first, lastTrialId: first + 9, trials: 10, workerId, finishedAt: Date.UTC(2026, 0, 1), wallMs, phases: phases(p) };
}

/** What the store would hold after these batches, built the way BatchTimeStore adds them. */
function timesOf(batches: readonly BatchTime[]): SessionTimes {
  const total = phases({});
  const buckets = new Map<number, number>();
  for (const b of batches) {
    for (const p of TRIAL_PHASES) total[p] += b.phases[p];
    buckets.set(wallBucket(b.wallMs), (buckets.get(wallBucket(b.wallMs)) ?? 0) + 1);
  }
  return {
    batches: batches.length,
    trials: batches.reduce((s, b) => s + b.trials, 0),
    wallMs: batches.reduce((s, b) => s + b.wallMs, 0),
    phases: total,
    wallBuckets: [...buckets],
    slowest: [...batches].sort((a, b) => b.wallMs - a.wallMs).slice(0, SLOWEST_KEPT),
  };
}

describe('time breakdown', () => {
  it('reads percentiles from the wall-time histogram within 4.5 % of the exact ones', () => {
    let seed = 11;
    const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    const walls = Array.from({ length: 5000 }, () => Math.exp(random() * 8)); // 1 ms to 3 s, log-uniform
    const buckets = new Map<number, number>();
    for (const w of walls) buckets.set(wallBucket(w), (buckets.get(wallBucket(w)) ?? 0) + 1);
    const sorted = [...walls].sort((a, b) => a - b);
    for (const q of [0.1, 0.5, 0.9, 0.95, 0.99]) {
      const exact = sorted[Math.ceil(q * sorted.length) - 1];
      const read = histogramQuantile([...buckets], q)!;
      assert.ok(Math.abs(read / exact - 1) < 0.045, `q=${q}: ${read} vs ${exact}`);
    }
    assert.equal(histogramQuantile([], 0.5), null);
  });

  it('gives each phase its seconds and share, the shares adding up to 1, and the slowest batches in full', () => {
    const batches = [
      batch(1, 120, { load: 30, indicators: 20, simulation: 25, statistics: 15, evaluate: 2, store: 8 }),
      batch(11, 80, { load: 1, indicators: 20, simulation: 25, statistics: 15, evaluate: 1, store: 8 }, 'w2'),
      batch(21, 60, { load: 1, indicators: 10, simulation: 25, statistics: 15, evaluate: 1, store: 8 }),
    ];
    const t = timeBreakdown(timesOf(batches));
    assert.equal(t.batches, 3);
    assert.equal(t.trials, 30);
    assert.equal(t.total_s, 0.23);
    assert.equal(t.phases.simulation.s, 0.075);
    assert.ok(Math.abs(TRIAL_PHASES.reduce((s, p) => s + t.phases[p].share, 0) - 1) < 1e-3);
    assert.equal(t.batch_wall_s.max, 0.12);
    assert.ok(t.batch_wall_s.p50! >= 0.076 && t.batch_wall_s.p50! <= 0.084, `median ${t.batch_wall_s.p50}`);
    assert.ok(t.batch_wall_s.p95! <= 0.12, 'a percentile never exceeds the slowest batch');
    assert.deepEqual(t.slowest_batches.map((b) => [b.trials, b.worker, b.wall_s]), [['1-10', 'w1', 0.12], ['11-20', 'w2', 0.08], ['21-30', 'w1', 0.06]]);
    assert.equal(t.slowest_batches[0].phases_s.load, 0.03);
  });

  it('merges the splits of a walk-forward session: totals add up, the slowest stay the slowest of all', () => {
    const a = timesOf(Array.from({ length: 12 }, (_, i) => batch(i * 10 + 1, 10 + i, { simulation: 5 })));
    const b = timesOf(Array.from({ length: 12 }, (_, i) => batch(i * 10 + 1, 100 + i, { indicators: 7 }, 'other')));
    const merged = mergeSessionTimes([a, b]);
    assert.equal(merged.batches, 24);
    assert.equal(merged.trials, 240);
    assert.equal(merged.phases.simulation, 60);
    assert.equal(merged.phases.indicators, 84);
    assert.equal(merged.slowest.length, SLOWEST_KEPT);
    assert.ok(merged.slowest.every((s) => s.workerId === 'other'));
    assert.equal(merged.wallBuckets.reduce((s, [, n]) => s + n, 0), 24);
  });

  it('shows in report.html as a section of shares, a phase table and the slowest batches, escaping worker names', () => {
    const t = timeBreakdown(timesOf([batch(1, 50, { load: 5, simulation: 30, store: 15 }, '<w>'), batch(11, 40, { evaluate: 20, store: 20 })]));
    const html = renderReportHtml({ sessionId: 's', objective: { metric: 'sharpe', direction: 'maximize' }, trials: [trial(1, { x: 1 }, { sharpe: 1 })], timeBreakdown: t });
    const start = html.indexOf('<section id="time">');
    assert.ok(start > 0, 'the section is there');
    const section = html.slice(start, html.indexOf('</section>', start));
    assert.match(section, /Where trial time goes/);
    assert.match(section, /External commands are timed as a whole/);
    for (const phase of ['load', 'simulation', 'evaluate', 'store']) assert.match(section, new RegExp(`<td>${phase}</td>`));
    assert.doesNotMatch(section, /<td>indicators<\/td>/, 'a phase without time has no row');
    assert.match(section, /Slowest batches/);
    assert.ok(section.includes('&lt;w&gt;') && !section.includes('<w>'));
    const none = renderReportHtml({ sessionId: 's', objective: { metric: 'sharpe', direction: 'maximize' }, trials: [trial(1, { x: 1 }, { sharpe: 1 })] });
    assert.ok(!none.includes('<section id="time">'), 'no section without times');
  });
});
