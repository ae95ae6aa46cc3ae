import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { paramImportance } from '../../analysis';
import { Prng } from '../../search/prng';
import type { Params } from '../../search/types';
import { trial } from './fixtures';

function sample(n: number, seed: number, f: (p: Params) => number, make: (rng: Prng) => Params) {
  const rng = Prng.fromSeed(seed);
  return Array.from({ length: n }, (_, i) => {
    const params = make(rng);
    return trial(i + 1, params, { sharpe: f(params) });
  });
}
const uniform3 = (rng: Prng): Params => ({ x: rng.float(), y: rng.float(), z: rng.float() });

describe('paramImportance (fANOVA)', () => {
  it('ranks a dominant parameter first and an unused one last', () => {
    const trials = sample(300, 1, (p) => 10 * (p.x as number) + Math.sin(6 * (p.y as number)), uniform3);
    const imp = paramImportance(trials, { trees: 32 });
    assert.deepEqual(imp.map((i) => i.param), ['x', 'y', 'z']);
    assert.ok(imp[0].importance > 0.8, JSON.stringify(imp));
    assert.ok(imp[2].importance < 0.02, JSON.stringify(imp));
  });

  it('splits an additive objective by its variance shares', () => {
    // Var(2x) : Var(y) = 4 : 1 for uniform x, y.
    const trials = sample(1000, 2, (p) => 2 * (p.x as number) + (p.y as number), uniform3);
    const imp = Object.fromEntries(paramImportance(trials, { trees: 32 }).map((i) => [i.param, i.importance]));
    assert.ok(Math.abs(imp.x - 0.8) < 0.05 && Math.abs(imp.y - 0.2) < 0.05, JSON.stringify(imp));
  });

  it('handles categorical and log-scaled parameters', () => {
    const space = { lr: { type: 'float' as const, low: 1e-4, high: 1, log: true }, kind: { type: 'categorical' as const, choices: ['a', 'b', 'c'] } };
    const trials = sample(400, 3, (p) => (p.kind === 'b' ? 5 : 0) + 0.1 * Math.log10(p.lr as number),
      (rng) => ({ lr: 10 ** (-4 * rng.float()), kind: ['a', 'b', 'c'][rng.below(3)] }));
    const imp = paramImportance(trials, { space, trees: 32 });
    assert.equal(imp[0].param, 'kind');
    assert.ok(imp[0].importance > 0.9);
  });

  it('is deterministic for a seed, sums to 1, and is all zero for a constant objective', () => {
    const trials = sample(200, 4, (p) => (p.x as number) * (p.y as number), uniform3);
    const a = paramImportance(trials, { seed: 9, trees: 16 });
    assert.deepEqual(paramImportance(trials, { seed: 9, trees: 16 }), a);
    assert.ok(Math.abs(a.reduce((s, i) => s + i.importance, 0) - 1) < 1e-12);
    const flat = sample(50, 5, () => 1, uniform3);
    assert.deepEqual(paramImportance(flat).map((i) => i.importance), [0, 0, 0]);
  });

  it('subsamples above maxTrials and keeps the ranking', () => {
    const trials = sample(3000, 6, (p) => 3 * (p.z as number) + (p.x as number), uniform3);
    const imp = paramImportance(trials, { maxTrials: 500, trees: 16 });
    assert.deepEqual(imp.map((i) => i.param), ['z', 'x', 'y']);
  });
});
