import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crowdingDistance, dominates, hypervolume, nonDominatedSort, paretoFront } from '../../search';
import { hypervolumeContributions, referencePoint } from '../../search/pareto';
import { Prng } from '../../search/prng';

test('dominance: no worse everywhere and better somewhere; equal points do not dominate each other', () => {
  assert.equal(dominates([1, 2], [1, 3]), true);
  assert.equal(dominates([1, 3], [1, 2]), false);
  assert.equal(dominates([1, 2], [1, 2]), false);
  assert.equal(dominates([0, 5], [1, 2]), false);
  assert.equal(dominates([0, 0, 0], [0, 0, 1e-12]), true);
});

test('non-dominated sort of a known set: fronts best first, equal points share a front', () => {
  const points = [[1, 1], [2, 2], [1, 3], [3, 1], [2, 2], [4, 4], [0, 5]];
  assert.deepEqual(nonDominatedSort(points), [[0, 6], [1, 2, 3, 4], [5]]);
  assert.deepEqual(paretoFront(points), [0, 6]);
  assert.deepEqual(nonDominatedSort([]), []);
});

test('non-dominated sort of random sets: no point dominates one of its own front, each is dominated from the front before', () => {
  const rng = Prng.fromSeed(3);
  for (const k of [2, 3, 4]) {
    // Rounded coordinates, so that ties and equal points occur.
    const points = Array.from({ length: 120 }, () => Array.from({ length: k }, () => Math.round(rng.float() * 20)));
    const fronts = nonDominatedSort(points);
    assert.equal(fronts.flat().length, points.length);
    assert.equal(new Set(fronts.flat()).size, points.length);
    fronts.forEach((front, f) => {
      for (const i of front) {
        for (const j of front) assert.equal(dominates(points[i], points[j]), false, `front ${f}: ${i} dominates ${j}`);
        if (f > 0) assert.ok(fronts[f - 1].some((j) => dominates(points[j], points[i])), `point ${i} of front ${f} is not dominated by front ${f - 1}`);
      }
    });
    assert.deepEqual(paretoFront(points), [...fronts[0]].sort((a, b) => a - b));
  }
});

test('crowding distance: the ends of each objective are infinite, the others sum their normalised neighbour gaps', () => {
  assert.deepEqual(crowdingDistance([[0, 3], [1, 2], [2, 1], [3, 0]]), [Infinity, 4 / 3, 4 / 3, Infinity]);
  // Uneven spacing: the point in the wide gap is the less crowded one.
  const d = crowdingDistance([[0, 10], [1, 9], [2, 8], [8, 2], [10, 0]]);
  assert.ok(d[3] > d[1] && d[3] > d[2]);
  assert.deepEqual(crowdingDistance([[1, 1], [1, 1], [1, 1]]), [Infinity, 0, Infinity]);
  assert.deepEqual(crowdingDistance([]), []);
});

test('hypervolume of known point sets, in 1 to 3 objectives', () => {
  assert.equal(hypervolume([[1], [3]], [5]), 4);
  // The staircase under (1,3), (2,2), (3,1) up to (4,4): 1 + 2 + 3.
  assert.equal(hypervolume([[1, 3], [2, 2], [3, 1]], [4, 4]), 6);
  // A dominated point and a point outside the reference add nothing.
  assert.equal(hypervolume([[1, 3], [2, 2], [3, 1], [3, 3], [5, 0]], [4, 4]), 6);
  assert.equal(hypervolume([[0, 0, 0]], [1, 2, 3]), 6);
  // Two boxes of 4 and 2 that overlap in a unit cube.
  assert.equal(hypervolume([[0, 0, 1], [1, 1, 0]], [2, 2, 2]), 5);
  assert.equal(hypervolume([], [1, 1]), 0);
});

test('hypervolume agrees with a Monte Carlo estimate on random 3- and 4-objective sets', () => {
  const rng = Prng.fromSeed(11);
  for (const k of [3, 4]) {
    const points = Array.from({ length: 12 }, () => Array.from({ length: k }, () => rng.float()));
    const reference = new Array<number>(k).fill(1);
    let inside = 0;
    const draws = 200_000;
    for (let i = 0; i < draws; i++) {
      const u = Array.from({ length: k }, () => rng.float());
      if (points.some((p) => p.every((v, j) => v <= u[j]))) inside++;
    }
    assert.ok(Math.abs(hypervolume(points, reference) - inside / draws) < 0.005, `${k} objectives`);
  }
});

test('hypervolume contributions: what only each point dominates; a dominated point adds nothing', () => {
  assert.deepEqual(hypervolumeContributions([[1, 3], [2, 2], [3, 1], [3, 3]], [4, 4]), [1, 1, 1, 0]);
  assert.deepEqual(referencePoint([[1, -4], [2, -6]]), [2.2, -3.6]);
  assert.deepEqual(referencePoint([[0, 1]]), [1e-12, 1.1]);
});
