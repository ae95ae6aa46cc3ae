import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NeighbourhoodPass, pointEncoder, robustChoice, type Centre } from '../../analysis/neighbourhood';
import type { Params, SearchSpace } from '../../search/types';

const SPACE: SearchSpace = {
  x: { type: 'float', low: 0, high: 10 },
  lr: { type: 'float', low: 0.001, high: 1, log: true },
  kind: { type: 'categorical', choices: ['sma', 'ema'] },
};

test('points: a parameter scaled to [0, 1] by its range, a log one in log space, a categorical one equal or not', () => {
  const enc = pointEncoder(SPACE);
  assert.equal(enc.width, 3);
  // Sorted names: kind, lr, x.
  const point = enc.encode({ x: 2.5, lr: 0.1, kind: 'ema' });
  assert.equal(point[0], 1, 'the index of the choice');
  assert.ok(Math.abs(point[1] - 2 / 3) < 1e-12, '0.1 is two decades of three above 0.001');
  assert.equal(point[2], 0.25);
  const a = enc.encode({ x: 0, lr: 0.001, kind: 'sma' });
  assert.equal(enc.distance(a, enc.encode({ x: 3, lr: 0.001, kind: 'sma' })), 0.3);
  assert.equal(enc.distance(a, enc.encode({ x: 0, lr: 0.001, kind: 'ema' })), 1, 'another category is one whole range away');
  assert.ok(Math.abs(enc.distance(a, enc.encode({ x: 3, lr: 0.01, kind: 'sma' })) - Math.hypot(0.3, 1 / 3)) < 1e-12, 'one decade of three is a third');
  const flat = pointEncoder({ n: { type: 'int', low: 4, high: 4 } });
  assert.deepEqual(Array.from(flat.encode({ n: 4 })), [0], 'a parameter with a single value sits at 0');
});

/** A 1-D grid x = 0, 1, …, 10 on [0, 10]: neighbours within radius r are the points within 10·r. */
function lineOf(values: number[]): Array<{ trialId: number; params: Params; objective: number }> {
  return values.map((objective, x) => ({ trialId: x + 1, params: { x }, objective }));
}

function centresOf(trials: ReturnType<typeof lineOf>, direction: 'maximize' | 'minimize'): Centre[] {
  const sign = direction === 'maximize' ? 1 : -1;
  return [...trials].sort((a, b) => sign * (b.objective - a.objective) || a.trialId - b.trialId).map((t, i) => ({ ...t, rank: i + 1 }));
}

test('a neighbourhood: mean and worst of the trial and every ranked trial within the radius, the trial itself not counted as a neighbour', () => {
  const line = lineOf([0, 0, 0, 0, 5, 0, 0, 3, 3.5, 3, 3]);
  const space: SearchSpace = { x: { type: 'int', low: 0, high: 10 } };
  const centres = centresOf(line, 'maximize').slice(0, 3);
  assert.deepEqual(centres.map((c) => c.params.x), [4, 8, 7]);
  const pass = new NeighbourhoodPass(centres, pointEncoder(space), 0.1, 'maximize');
  for (const t of line) pass.offer(t.trialId, t.objective, pointEncoder(space).encode(t.params));
  const [spike, plateau, edge] = pass.stats();
  assert.deepEqual(spike, { neighbours: 2, mean: 5 / 3, worst: 0 });
  assert.deepEqual(plateau, { neighbours: 2, mean: (3 + 3.5 + 3) / 3, worst: 3 });
  assert.deepEqual(edge, { neighbours: 2, mean: (0 + 3 + 3.5) / 3, worst: 0 });

  const byMean = robustChoice(centres, pass.stats(), { by: 'neighbourhood_mean', minNeighbours: 2, radius: 0.1, direction: 'maximize' });
  assert.equal(byMean.recommended?.params.x, 8, 'the plateau beats the spike');
  assert.equal(byMean.recommendedBy, 'neighbourhood_mean');
  assert.deepEqual(byMean.rows.map((r) => [r.rank, r.robustRank]), [[1, 3], [2, 1], [3, 2]]);
  const byWorst = robustChoice(centres, pass.stats(), { by: 'neighbourhood_worst', minNeighbours: 2, radius: 0.1, direction: 'maximize' });
  assert.equal(byWorst.recommended?.params.x, 8);
  // Spike and edge share the worst value 0: the better rank by the objective goes first.
  assert.deepEqual(byWorst.rows.map((r) => r.robustRank), [2, 1, 3]);
  const raw = robustChoice(centres, pass.stats(), { by: 'objective', minNeighbours: 2, radius: 0.1, direction: 'maximize' });
  assert.equal(raw.recommended?.params.x, 4, 'by the objective, the best trial; robust ranks are still shown');
  assert.deepEqual(raw.rows.map((r) => r.robustRank), [3, 1, 2]);
});

test('the radius is inclusive, also where rounding puts a grid point a hair outside it', () => {
  const space: SearchSpace = { x: { type: 'float', low: 0, high: 1, step: 0.1 } };
  const enc = pointEncoder(space);
  const centre: Centre = { trialId: 1, params: { x: 0.3 }, objective: 1, rank: 1 };
  const pass = new NeighbourhoodPass([centre], enc, 0.1, 'maximize');
  for (const [id, x] of [[2, 0.2], [3, 0.4], [4, 0.5], [5, 0.1 + 0.2 + 0.1]] as const) pass.offer(id, 0, enc.encode({ x }));
  assert.equal(pass.stats()[0].neighbours, 3);
});

test('minimize: the worst is the largest value, and the smallest mean ranks first', () => {
  const line = lineOf([9, 9, 1, 9, 9, 2, 2, 2, 9, 9, 9]);
  const space: SearchSpace = { x: { type: 'int', low: 0, high: 10 } };
  const enc = pointEncoder(space);
  const centres = centresOf(line, 'minimize').slice(0, 3);
  const pass = new NeighbourhoodPass(centres, enc, 0.1, 'minimize');
  for (const t of line) pass.offer(t.trialId, t.objective, enc.encode(t.params));
  assert.deepEqual(pass.stats()[0], { neighbours: 2, mean: 19 / 3, worst: 9 });
  const choice = robustChoice(centres, pass.stats(), { by: 'neighbourhood_mean', minNeighbours: 1, radius: 0.1, direction: 'minimize' });
  assert.deepEqual(choice.recommended?.params, { x: 6 });
});

test('too few neighbours: no robust rank; with none eligible, the best by the objective, and the reason', () => {
  const line = lineOf([1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2]);
  const space: SearchSpace = { x: { type: 'int', low: 0, high: 10 } };
  const enc = pointEncoder(space);
  const centres = centresOf(line, 'maximize').slice(0, 2);
  const pass = new NeighbourhoodPass(centres, enc, 0.05, 'maximize');
  for (const t of line) pass.offer(t.trialId, t.objective, enc.encode(t.params));
  const choice = robustChoice(centres, pass.stats(), { by: 'neighbourhood_worst', minNeighbours: 1, radius: 0.05, direction: 'maximize' });
  assert.deepEqual(choice.rows.map((r) => r.robustRank), [null, null]);
  assert.equal(choice.recommended?.trialId, 11);
  assert.equal(choice.recommendedBy, 'objective');
  assert.match(choice.fallback ?? '', /none of the 2 best trials has 1 neighbours within radius 0\.05/);
  assert.equal(robustChoice([], [], { by: 'neighbourhood_mean', minNeighbours: 0, radius: 0.1, direction: 'maximize' }).recommended, null);
});

test('a pass over many trials agrees with a direct computation', () => {
  const space: SearchSpace = { a: { type: 'float', low: -1, high: 1 }, b: { type: 'int', low: 1, high: 1000, log: true }, c: { type: 'categorical', choices: [1, 2, 3] } };
  const enc = pointEncoder(space);
  let seed = 12345;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const trials = Array.from({ length: 3000 }, (_, i) => {
    const params = { a: rand() * 2 - 1, b: Math.round(Math.exp(rand() * Math.log(1000))), c: 1 + Math.floor(rand() * 3) };
    return { trialId: i + 1, params, objective: Math.sin(params.a * 3) + Math.log(params.b) / 7 + params.c / 10 };
  });
  const centres = centresOf(trials, 'maximize').slice(0, 20);
  const pass = new NeighbourhoodPass(centres, enc, 0.15, 'maximize');
  for (const t of trials) pass.offer(t.trialId, t.objective, enc.encode(t.params));
  const stats = pass.stats();
  centres.forEach((c, i) => {
    const members = trials.filter((t) => {
      const da = (t.params.a - (c.params.a as number)) / 2;
      const db = (Math.log(t.params.b) - Math.log(c.params.b as number)) / Math.log(1000);
      return t.params.c === c.params.c && Math.hypot(da, db) <= 0.15;
    });
    assert.equal(stats[i].neighbours, members.length - 1);
    assert.ok(Math.abs(stats[i].mean - members.reduce((s, t) => s + t.objective, 0) / members.length) < 1e-12);
    assert.equal(stats[i].worst, Math.min(...members.map((t) => t.objective)));
  });
});
