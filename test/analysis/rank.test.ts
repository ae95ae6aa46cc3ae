import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { weightedRank } from '../../analysis';
import { InputError } from '../../errors';
import { trial } from './fixtures';

const ids = (rows: { trialId: number }[]) => rows.map((r) => r.trialId);

describe('weightedRank', () => {
  it('ranks each metric in its own direction', () => {
    const trials = [
      trial(1, { a: 1 }, { sharpe: 1.0, volatility_ann_pct: 30, max_drawdown_pct: -30, max_drawdown_duration: 10 }),
      trial(2, { a: 2 }, { sharpe: 2.0, volatility_ann_pct: 10, max_drawdown_pct: -5, max_drawdown_duration: 90 }),
      trial(3, { a: 3 }, { sharpe: 0.5, volatility_ann_pct: 20, max_drawdown_pct: -15, max_drawdown_duration: 40 }),
    ];
    assert.deepEqual(ids(weightedRank(trials, { weights: { sharpe: 1 } })), [2, 1, 3]);
    assert.deepEqual(ids(weightedRank(trials, { weights: { volatility_ann_pct: 1 } })), [2, 3, 1]);
    assert.deepEqual(ids(weightedRank(trials, { weights: { max_drawdown_pct: 1 } })), [2, 3, 1], 'a drawdown of -5 % beats -30 %');
    assert.deepEqual(ids(weightedRank(trials, { weights: { max_drawdown_duration: 1 } })), [1, 3, 2]);
  });

  it('scores rank positions, weighted, as computed by hand', () => {
    const trials = [
      trial(1, {}, { sharpe: 1.5, calmar: 0.2, max_drawdown_pct: -10 }),
      trial(2, {}, { sharpe: 1.0, calmar: 0.9, max_drawdown_pct: -25 }),
      trial(3, {}, { sharpe: 0.2, calmar: 0.5, max_drawdown_pct: -5 }),
    ];
    const rows = weightedRank(trials, { weights: { sharpe: 0.5, calmar: 0.3, max_drawdown_pct: 0.2 } });
    // Scores per metric (1 best, 0 worst): sharpe 1, .5, 0; calmar 0, 1, .5; drawdown .5, 0, 1.
    const expected = new Map([[1, 0.5 + 0 + 0.1], [2, 0.25 + 0.3 + 0], [3, 0 + 0.15 + 0.2]]);
    assert.deepEqual(ids(rows), [1, 2, 3]);
    for (const r of rows) assert.ok(Math.abs(r.score - expected.get(r.trialId)!) < 1e-12, `trial ${r.trialId}: ${r.score}`);
    assert.deepEqual(rows.map((r) => r.rank), [1, 2, 3]);
  });

  it('gives tied values the average rank and breaks score ties by trial id', () => {
    const trials = [trial(9, {}, { sharpe: 1 }), trial(4, {}, { sharpe: 1 }), trial(5, {}, { sharpe: 0 })];
    const rows = weightedRank(trials, { weights: { sharpe: 2 } });
    assert.deepEqual(ids(rows), [4, 9, 5]);
    assert.equal(rows[0].metricScores.sharpe, 0.75);
    assert.equal(rows[1].score, 0.75);
    assert.equal(rows[2].score, 0);
  });

  it('puts trials below min_trades last, marked not rankable, however good they look', () => {
    const trials = [
      trial(1, {}, { sharpe: 9, trades: 2 }),
      trial(2, {}, { sharpe: 1, trades: 40 }),
      trial(3, {}, { sharpe: 2, trades: 30 }),
      trial(4, {}, { sharpe: 5 }),
    ];
    const rows = weightedRank(trials, { weights: { sharpe: 1 }, minTrades: 10 });
    assert.deepEqual(ids(rows), [3, 2, 1, 4]);
    assert.deepEqual(rows.map((r) => r.rankable), [true, true, false, false]);
    assert.deepEqual(ids(weightedRank(trials, { weights: { sharpe: 1 } })), [1, 4, 3, 2]);
  });

  it('leaves out failed trials and trials with an undefined weighted metric', () => {
    const trials = [
      trial(1, {}, { sharpe: 1, calmar: null }),
      trial(2, {}, { sharpe: 3, calmar: 1 }, 'sharpe', 'failed'),
      trial(3, {}, { sharpe: 2, calmar: 2 }),
      trial(4, {}, { sharpe: NaN, calmar: 2 }),
    ];
    assert.deepEqual(ids(weightedRank(trials, { weights: { sharpe: 1, calmar: 1 } })), [3]);
    assert.deepEqual(ids(weightedRank(trials, { weights: { sharpe: 1, calmar: 0 } })), [3, 1], 'a zero weight does not require the metric');
  });

  it('rejects weights it cannot use, naming the fix', () => {
    const t = [trial(1, {}, { sharpe: 1 })];
    assert.throws(() => weightedRank(t, { weights: { sharp: 1 } }), (e: Error) => e instanceof InputError && /sharpe/.test(e.message));
    assert.throws(() => weightedRank(t, { weights: { sharpe: -1 } }), InputError);
    assert.throws(() => weightedRank(t, { weights: { sharpe: 0 } }), InputError);
    const custom = [trial(1, {}, { latency: 5 }), trial(2, {}, { latency: 3 })];
    assert.deepEqual(ids(weightedRank(custom, { weights: { latency: 1 }, directions: { latency: 'minimize' } })), [2, 1]);
  });
});
