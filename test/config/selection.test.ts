import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadSessionSpec } from '../../config/load';
import { planSplits } from '../../config/walkForward';
import { InputError } from '../../errors';
import { makeCampaign, SMA_GRID } from '../helpers/campaign';

function refused(yaml: string, message: RegExp, bars?: number): void {
  const campaign = makeCampaign(yaml, { bars });
  assert.throws(
    () => loadSessionSpec(campaign.config),
    (err: unknown) => err instanceof InputError && err.message.startsWith(campaign.config) && message.test(err.message),
    yaml,
  );
}

test('select resolves with its defaults; without it the spec has none', () => {
  const plain = loadSessionSpec(makeCampaign(SMA_GRID).config);
  assert.equal(plain.select, undefined);
  assert.equal(plain.resultConstraints, undefined);
  const chosen = loadSessionSpec(makeCampaign(`${SMA_GRID}select: { by: neighbourhood_worst }\n`).config);
  assert.deepEqual(chosen.select, { by: 'neighbourhood_worst', topK: 50, radius: 0.1, minNeighbours: 3 });
  const given = loadSessionSpec(makeCampaign(`${SMA_GRID}select: { by: neighbourhood_mean, top_k: 5, radius: 0.25, min_neighbours: 0 }\n`).config);
  assert.deepEqual(given.select, { by: 'neighbourhood_mean', topK: 5, radius: 0.25, minNeighbours: 0 });
});

test('select is checked key by key', () => {
  refused(`${SMA_GRID}select: { by: plateau }\n`, /`select\.by`: Invalid option: expected one of "objective"\|"neighbourhood_mean"\|"neighbourhood_worst"/);
  refused(`${SMA_GRID}select: { top_k: 501 }\n`, /`select\.top_k`: at most 500: each of them is compared with every trial/);
  refused(`${SMA_GRID}select: { radius: 0 }\n`, /`select\.radius`: Too small/);
  refused(`${SMA_GRID}select: { radius: 1.5 }\n`, /`select\.radius`: at most 1, the whole range of a parameter/);
  refused(`${SMA_GRID}select: { min_neighbours: -1 }\n`, /`select\.min_neighbours`: Too small/);
  refused(`${SMA_GRID}select: { by: objective, k: 3 }\n`, /unknown key `select\.k`/);
  refused(`${SMA_GRID}select: { by: neighbourhood_mean }\nwalk_forward: { splits: 2, train: 200, test: 80 }\n`, /`select` chooses the recommendation of a plain session/);
});

test('result constraints are kept as written; each must parse and read metrics the engine reports', () => {
  const spec = loadSessionSpec(makeCampaign(`${SMA_GRID}result_constraints: ["max_drawdown_pct > -30", "trades >= 20"]\n`).config);
  assert.deepEqual(spec.resultConstraints, ['max_drawdown_pct > -30', 'trades >= 20']);
  refused(`${SMA_GRID}result_constraints: ["trades >= 2", "drawdown > -30"]\n`, /`result_constraints\[1\]`: unknown metric "drawdown" in "drawdown > -30"; the engine reports equity_final, /);
  refused(`${SMA_GRID}result_constraints: ["trades => 20"]\n`, /`result_constraints\[0\]`: cannot parse constraint "trades => 20"/);
  refused(`${SMA_GRID}result_constraints: ["1 < 2"]\n`, /`result_constraints\[0\]`: "1 < 2" reads no metric/);
  refused(`${SMA_GRID}result_constraints: "trades >= 20"\n`, /`result_constraints`: Invalid input: expected array/);
  refused(`${SMA_GRID}result_constraints: ["fast < trades"]\n`, /unknown metric "fast"/);
});

test('an external evaluator may constrain metrics of its own', () => {
  const campaign = makeCampaign(`evaluator:
  command: ["python3", "bt.py"]
params:
  fast: [5, 10]
objective: { metric: score, direction: maximize }
result_constraints: ["hit_rate >= 0.5"]
`);
  assert.deepEqual(loadSessionSpec(campaign.config).resultConstraints, ['hit_rate >= 0.5']);
});

test('a holdout takes the last bars: no split trains or tests on them', () => {
  const time = Array.from({ length: 1000 }, (_, i) => Date.UTC(2015, 0, 1) + i * 86_400_000);
  const plan = planSplits({ splits: 3, train: 200, test: 100, mode: 'rolling', gap: 0, holdout: 150 }, time, 20);
  assert.deepEqual(plan.holdout, { start: 850, end: 1000 });
  assert.deepEqual(plan.splits.map((s) => s.test), [{ start: 550, end: 650 }, { start: 650, end: 750 }, { start: 750, end: 850 }]);
  for (const s of plan.splits) assert.ok(s.train.end <= 850 && s.test.end <= 850);
  const share = planSplits({ splits: 3, train: 200, test: 100, mode: 'anchored', gap: 5, holdout: 0.1 }, time, 20);
  assert.deepEqual(share.holdout, { start: 902, end: 1000 }, 'a share of the bars after the warm-up');
  assert.equal(planSplits({ splits: 3, train: 200, test: 100, mode: 'rolling', gap: 0 }, time, 20).holdout, null);
  assert.throws(
    () => planSplits({ splits: 3, train: 200, test: 100, mode: 'rolling', gap: 0, holdout: 600 }, time, 20),
    /needs 1120 bars \(warm-up 20 \+ train 200 \+ gap 0 \+ 3 splits × test 100 \+ holdout 600\), but the data has 1000; use fewer or shorter splits or a shorter holdout\./,
  );
});

test('walk_forward.holdout resolves into the spec, and a bad one is named', () => {
  const wf = `${SMA_GRID}walk_forward: { splits: 2, train: 200, test: 80, holdout: 100 }\n`;
  const spec = loadSessionSpec(makeCampaign(wf, { bars: 600 }).config);
  assert.deepEqual(spec.walkForward?.holdout, { start: 500, end: 600 });
  assert.equal(spec.walkForward?.splits.at(-1)?.test.end, 500);
  assert.equal(loadSessionSpec(makeCampaign(`${SMA_GRID}walk_forward: { splits: 2, train: 200, test: 80 }\n`).config).walkForward?.holdout, undefined);
  refused(`${SMA_GRID}walk_forward: { splits: 2, train: 200, test: 80, holdout: 2.5 }\n`, /`walk_forward\.holdout`: expected a bar count \(whole number ≥ 1\), a share of the data \(0 < x < 1\) or a duration/);
  refused(`${SMA_GRID}walk_forward: { splits: 2, train: 200, test: 80, holdout: soon }\n`, /`walk_forward\.holdout`: expected a duration such as 90d/);
  refused(`${SMA_GRID}walk_forward: { splits: 2, train: 200, test: 80, holdout: 400 }\n`, /holdout 400\), but the data has 600/, 600);
});
