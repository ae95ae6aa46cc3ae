import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createSampler, type Sampler, type SamplerConfig, type SearchSpace } from '../../search';
import type { Algorithm } from '../../search/algorithm';
import { cmaes } from '../../search/cmaes';
import { genetic } from '../../search/genetic';
import { gp } from '../../search/gp';
import { resolveOptions } from '../../search/options';
import { Prng } from '../../search/prng';
import { Space } from '../../search/space';
import { tpe } from '../../search/tpe';
import { config } from './helpers';

const MILLION = 1_000_000;
const MB = 1_000_000;
const PLANE: SearchSpace = { x: { type: 'float', low: -1, high: 1 }, y: { type: 'int', low: 0, high: 100 } };

/** Suggest and update `n` times with a cheap synthetic objective; returns the largest JSON state seen. */
function drive(sampler: Sampler, n: number, every: number): number {
  let largest = 0;
  for (let i = 1; i <= n; i++) {
    const t = sampler.suggest();
    assert.ok(t);
    sampler.update(t.id, { value: Math.sin(t.id) });
    if (i % every === 0) largest = Math.max(largest, JSON.stringify(sampler.state()).length);
  }
  return largest;
}

test('the sampler: state stays under 1 MB over 1,000,000 suggest+update calls', () => {
  assert.ok(drive(createSampler(config('random', { space: PLANE, trials: MILLION })), MILLION, MILLION / 4) < MB);
});

test('qmc: the state is a counter and scramble keys', () => {
  assert.ok(drive(createSampler(config('qmc', { trials: 100_000 })), 100_000, 50_000) < 2_000);
});

test('random over a finite space of 2^40 points: the seen set is fixed in size', () => {
  const space = Object.fromEntries(Array.from({ length: 4 }, (_, i) => [`p${i}`, { type: 'int' as const, low: 0, high: 1023 }]));
  assert.ok(drive(createSampler(config('random', { space, trials: 200_000 })), 200_000, 50_000) < 300_000);
});

// The models, fed a million results directly: proposing that many would take minutes and adds nothing to the state.
const models: [string, Algorithm<unknown>][] = [
  ['tpe', tpe as Algorithm<unknown>],
  ['cmaes', cmaes as Algorithm<unknown>],
  ['genetic', genetic as Algorithm<unknown>],
  ['gp', gp as Algorithm<unknown>],
];
for (const [name, algorithm] of models) {
  test(`${name}: the model's state stays under 1 MB over 1,000,000 results`, () => {
    const space = new Space(PLANE);
    const options = resolveOptions(name, algorithm.options);
    const state = algorithm.init(space, options, 1);
    const rng = Prng.fromSeed(1);
    const ctx = { space, rng, options, pending: [], feasible: () => true };
    let largest = 0;
    for (let i = 1; i <= MILLION; i++) {
      const tag = (state as { gen?: number }).gen;
      algorithm.observe(state, [rng.float(), rng.float()], Math.sin(i), tag, ctx);
      if (i % (MILLION / 4) === 0) largest = Math.max(largest, JSON.stringify(state).length);
    }
    assert.ok(largest < MB, `${largest} bytes`);
  });
}

test('tpe with its model on: the state stops growing once the history is full', () => {
  const sampler = createSampler(config('tpe', { trials: 300, options: { history: 50 } }));
  const sizes = [100, 100, 100].map((n) => drive(sampler, n, n));
  assert.ok(sizes[2]! <= sizes[1]! * 1.05, `state grew: ${sizes.join(', ')}`);
});

test('every algorithm through the sampler: the state does not grow with the trial count', () => {
  // tpe and gp with a small memory, so that it fills up well within the 500 trials measured first.
  const small: Record<string, Record<string, number>> = { tpe: { history: 50 }, gp: { maxPoints: 50, nCandidates: 64 } };
  for (const algorithm of ['grid', 'random', 'qmc', 'tpe', 'cmaes', 'genetic', 'gp'] as SamplerConfig['algorithm'][]) {
    const space = algorithm === 'grid' ? { ...PLANE, x: { type: 'float' as const, low: -1, high: 1, step: 0.001 } } : PLANE;
    const sampler = createSampler(config(algorithm, { space, trials: 1_500, options: small[algorithm] ?? {} }));
    const [early, late] = [500, 1_000].map((n) => drive(sampler, n, n));
    assert.ok(late! <= early! * 1.2 + 200, `${algorithm}: ${early} then ${late} bytes`);
  }
});
