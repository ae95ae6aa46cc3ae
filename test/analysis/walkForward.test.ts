import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyseWalkForward, type WalkForwardSplitResult } from '../../analysis';
import type { Params } from '../../search/types';
import { demoSplits } from './fixtures';

const objective = { metric: 'sharpe', direction: 'maximize' as const };

function split(k: number, isRet: number | null, oosRet: number | null, equity: number[], params: Params = { n: k }, start = k * 1000): WalkForwardSplitResult {
  return {
    split: k,
    params,
    inSample: { start: start - 500, end: start - 1, metrics: { return_ann_pct: isRet } },
    outOfSample: { start, end: start + equity.length - 1, metrics: { return_ann_pct: oosRet, sharpe: oosRet }, times: equity.map((_, i) => start + i), equity },
  };
}

describe('analyseWalkForward', () => {
  it('reports WFE only when the in-sample return is positive, never a ratio of two losses', () => {
    const wf = analyseWalkForward([
      split(0, 20, 10, [1, 2]),
      split(1, 20, -5, [1, 2]),
      split(2, -10, -20, [1, 2]),
      split(3, 0, 5, [1, 2]),
      split(4, -10, 8, [1, 2]),
      split(5, null, 8, [1, 2]),
    ], { objective });
    assert.deepEqual(wf.splits.map((s) => s.wfe.value), [0.5, -0.25, null, null, null, null]);
    assert.deepEqual(wf.splits.map((s) => s.wfe.reason), [null, null, 'in_sample_return_not_positive', 'in_sample_return_not_positive', 'in_sample_return_not_positive', 'return_missing']);
    // Mean OOS (10 - 5 - 20 + 5 + 8) / 5 = -0.4 over mean IS (20 + 20 - 10 + 0 - 10) / 5 = 4.
    assert.ok(Math.abs(wf.overallWfe.value! - -0.1) < 1e-12);
  });

  it('gives no overall WFE when the mean in-sample return is not positive', () => {
    const wf = analyseWalkForward([split(0, -5, -1, [1, 2]), split(1, 2, -1, [1, 2])], { objective });
    assert.deepEqual(wf.overallWfe, { value: null, reason: 'in_sample_return_not_positive' });
  });

  it('stitches the OOS curves end to end, each starting where the previous ended', () => {
    const splits = demoSplits();
    const wf = analyseWalkForward([...splits].reverse(), { objective });
    const { equity, times } = wf.stitched;
    assert.equal(equity.length, 5 * 120);
    assert.equal(equity[0], splits[0].outOfSample.equity[0]);
    for (let k = 1; k < 5; k++) assert.ok(Math.abs(equity[k * 120] - equity[k * 120 - 1]) < 1e-9 * equity[k * 120], `join ${k}`);
    assert.ok(times.every((t, i) => i === 0 || t > times[i - 1]));
    const growth = splits.reduce((g, s) => g * (s.outOfSample.equity[119] / s.outOfSample.equity[0]), 1);
    assert.ok(Math.abs(wf.stitched.returnPct - (growth - 1) * 100) < 1e-9);
    assert.equal(wf.stitched.bars, 5 * 119, 'the joins are not returns');
  });

  it('computes the t-statistic of per-bar returns as by hand', () => {
    // Returns 0.1, -0.1, 0.1: mean 1/30, sample std 0.11547 = √(0.04/3), t = (1/30) / (0.11547 / √3) = 0.5.
    const wf = analyseWalkForward([split(0, 10, 5, [100, 110, 99]), split(1, 10, 5, [50, 55])], { objective, periodsPerYear: 4 });
    assert.ok(Math.abs(wf.stitched.tStat! - 0.5) < 1e-12, String(wf.stitched.tStat));
    assert.ok(Math.abs(wf.stitched.sharpeAnn! - (1 / 30 / Math.sqrt(0.04 / 3)) * 2) < 1e-12);
    assert.deepEqual(wf.stitched.equity, [100, 110, 99, 99, 108.9].map((v, i) => (i < 3 ? v : wf.stitched.equity[i])));
    assert.ok(Math.abs(wf.stitched.equity[4] - 108.9) < 1e-9);
    assert.ok(Math.abs(wf.stitched.maxDrawdownPct - -10) < 1e-9);
  });

  it('has no t-statistic without dispersion', () => {
    assert.equal(analyseWalkForward([split(0, 1, 1, [1, 1, 1])], { objective }).stitched.tStat, null);
  });

  it('refuses overlapping OOS windows', () => {
    assert.throws(() => analyseWalkForward([split(0, 1, 1, [1, 2, 3], {}, 0), split(1, 1, 1, [1, 2], {}, 2)], { objective }), /before the previous one ended/);
  });

  it('records each parameter per split as drift', () => {
    const wf = analyseWalkForward(demoSplits(), { objective });
    const fast = wf.drift.find((d) => d.param === 'fast')!;
    assert.deepEqual(fast.values, [12, 14, 12, 20, 12]);
    assert.equal(fast.distinct, 3);
  });

  it('recommends the set with the best mean OOS rank across splits', () => {
    const cand = (params: Params, objective: number, sharpe = objective) => ({ params, objective, metrics: { sharpe } });
    const A = { n: 1 }, B = { n: 2 }, C = { n: 3 }, D = { n: 4 }, E = { n: 5 };
    const splits = [split(0, 1, 1, [1, 2]), split(1, 1, 1, [1, 2]), split(2, 1, 1, [1, 2])];
    splits[0].candidates = [cand(A, 1), cand(B, 2), cand(C, 0)];
    splits[1].candidates = [cand(A, 1), cand(D, 0)];
    splits[2].candidates = [cand(A, 1), cand(E, 2)];
    const rec = analyseWalkForward(splits, { objective }).recommended!;
    assert.deepEqual(rec.params, A, 'second, first and second beat one win');
    assert.equal(rec.score, 0.5);
    assert.equal(rec.splitsEvaluated, 3);

    splits[0].candidates = [cand(A, 2, 0.1), cand(B, 1)];
    splits[1].candidates = [cand(B, 2, 0.9), cand(A, 1)];
    splits[2].candidates = [cand(C, 1, 0), cand(A, 0.5, 0.1), cand(B, 0.5, 0.9)];
    assert.deepEqual(analyseWalkForward(splits, { objective }).recommended!.params, B, 'equal scores: higher mean OOS Sharpe');
  });

  it('falls back to the chosen sets, so the most often chosen one wins', () => {
    const wf = analyseWalkForward([split(0, 1, 1, [1, 2], { n: 7 }), split(1, 1, 1, [1, 2], { n: 3 }), split(2, 1, 1, [1, 2], { n: 3 })], { objective });
    assert.deepEqual(wf.recommended!.params, { n: 3 });
  });
});
