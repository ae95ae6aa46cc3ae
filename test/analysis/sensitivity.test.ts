import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SENSITIVITY_COLUMNS, sensitivity, sensitivityRows } from '../../analysis';
import { Prng } from '../../search/prng';
import type { TrialRecord } from '../../types/trial';
import { trial } from './fixtures';

/** A bowl with its top at x = 3, y = 7; y twice as steep. */
const bowl = (x: number, y: number) => -((x - 3) ** 2) - 2 * (y - 7) ** 2;

function grid(): TrialRecord[] {
  const out: TrialRecord[] = [];
  for (let x = 0; x <= 10; x++) for (let y = 0; y <= 10; y++) out.push(trial(out.length + 1, { x, y }, { sharpe: bowl(x, y) }));
  return out;
}

describe('sensitivity', () => {
  it('slices a grid exactly through the best point', () => {
    const res = sensitivity(grid(), { direction: 'maximize', bins: 20 });
    assert.deepEqual(res.best?.params, { x: 3, y: 7 });
    const x = res.params.find((p) => p.param === 'x')!;
    assert.equal(x.method, 'exact');
    assert.deepEqual(x.aroundBest.map((l) => l.low), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    assert.deepEqual(x.aroundBest.map((l) => l.mean), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((v) => 0 - (v - 3) ** 2));
    assert.ok(x.aroundBest.every((l) => l.trials === 1 && l.distance === 0));
    assert.equal(x.aroundBestSpread, 49);
    const y = res.params.find((p) => p.param === 'y')!;
    assert.equal(y.aroundBestSpread, 2 * 49, 'y is twice as steep');
  });

  it('averages the whole search per level for the marginal effect', () => {
    const res = sensitivity(grid(), { direction: 'maximize', bins: 20 });
    const x = res.params.find((p) => p.param === 'x')!;
    let yMean = 0;
    for (let y = 0; y <= 10; y++) yMean += 2 * (y - 7) ** 2;
    yMean /= 11;
    for (const l of x.marginal) {
      assert.equal(l.trials, 11);
      assert.ok(Math.abs(l.mean - (-((l.low! - 3) ** 2) - yMean)) < 1e-9);
    }
  });

  it('uses nearest neighbours for continuous searches and still finds the shape', () => {
    const rng = Prng.fromSeed(5);
    const trials = Array.from({ length: 800 }, (_, i) => {
      const x = rng.float() * 10, y = rng.float() * 10;
      return trial(i + 1, { x, y }, { sharpe: bowl(x, y) });
    });
    const res = sensitivity(trials, { direction: 'maximize', bins: 10 });
    const x = res.params.find((p) => p.param === 'x')!;
    assert.equal(x.method, 'nearest');
    assert.equal(x.aroundBest.length, 10);
    const peak = x.aroundBest.reduce((a, b) => (b.mean > a.mean ? b : a));
    assert.ok(peak.low! <= 3 && 3 <= peak.high!, `peak level ${peak.label}`);
    for (const l of x.aroundBest) {
      const mid = (l.low! + l.high!) / 2;
      // Within a bin of width 1, (x − 3)² differs from its value at the middle by at most |mid − 3| + 1/4.
      assert.ok(Math.abs(l.mean + (mid - 3) ** 2) <= Math.abs(mid - 3) + 0.5, `level ${l.label}: ${l.mean}`);
      assert.ok(l.distance! < 0.1, 'neighbours lie close to the best point on y');
    }
  });

  it('finds the best point of a minimised objective and writes one CSV row per level', () => {
    const trials = grid().map((t) => ({ ...t, objective: -(t.objective as number) }));
    const res = sensitivity(trials, { direction: 'minimize', bins: 20 });
    assert.deepEqual(res.best?.params, { x: 3, y: 7 });
    const rows = sensitivityRows(res);
    assert.equal(rows.length, 2 * (11 + 11));
    assert.ok(rows.every((r) => r.length === SENSITIVITY_COLUMNS.length));
    assert.deepEqual(rows[0].slice(0, 4), ['x', 'around_best', 'exact', '0']);
  });

  it('treats categorical parameters level by level', () => {
    const trials: TrialRecord[] = [];
    for (const kind of ['ema', 'sma', 'wma']) for (let n = 1; n <= 4; n++) trials.push(trial(trials.length + 1, { kind, n }, { sharpe: n + (kind === 'sma' ? 10 : 0) }));
    const res = sensitivity(trials, { direction: 'maximize' });
    const kind = res.params.find((p) => p.param === 'kind')!;
    assert.deepEqual(kind.aroundBest.map((l) => [l.label, l.mean]), [['ema', 4], ['sma', 14], ['wma', 4]]);
    assert.equal(kind.method, 'exact');
  });

  it('returns nothing to analyse when no trial succeeded', () => {
    assert.deepEqual(sensitivity([trial(1, { x: 1 }, {}, 'sharpe', 'failed')], { direction: 'maximize' }), { best: null, params: [] });
  });
});
