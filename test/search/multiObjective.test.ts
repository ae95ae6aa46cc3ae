import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createSampler, dominates, hypervolume, paretoFront, restoreSampler, type Params, type SamplerConfig, type SearchSpace } from '../../search';
import type { Algorithm } from '../../search/algorithm';
import { ELITE_CAP, motpe } from '../../search/motpe';
import { nsga2 } from '../../search/nsga2';
import { resolveOptions } from '../../search/options';
import { Prng } from '../../search/prng';
import { Space } from '../../search/space';
import { samplerContract } from './contract';
import { config, objective } from './helpers';

for (const algorithm of ['genetic', 'tpe', 'random', 'qmc', 'grid'] as const) samplerContract(algorithm, {}, ['maximize', 'minimize']);
samplerContract('genetic', { populationSize: 8 }, ['maximize', 'minimize']);
samplerContract('tpe', { nStartupTrials: 4, multivariate: false }, ['minimize', 'minimize']);

const two = (algorithm: SamplerConfig['algorithm'], o: Partial<SamplerConfig> = {}): SamplerConfig =>
  config(algorithm, { direction: 'maximize', directions: ['maximize', 'minimize'], ...o });

test('a multi-objective config is checked: cmaes, a direction that is not the first, too many objectives', () => {
  assert.throws(() => createSampler(two('cmaes')), /cmaes optimises one objective; for 2 objectives choose genetic \(NSGA-II\), tpe/);
  assert.throws(() => createSampler(two('tpe', { direction: 'minimize' })), /direction must be the first objective's, directions\[0\] = maximize, got minimize/);
  assert.throws(() => createSampler(two('tpe', { directions: ['maximize', 'up' as 'maximize'] })), /directions\[1\] must be maximize or minimize, got "up"/);
  const five = new Array<'maximize'>(5).fill('maximize');
  assert.throws(() => createSampler(two('tpe', { directions: five })), /1 to 4 of them/);
  assert.throws(() => createSampler(two('genetic', { options: { populationSize: 1 } })), /option "populationSize" of genetic must be at least 2/);
  // One direction in the list is one objective: cmaes takes it.
  assert.ok(createSampler(config('cmaes', { direction: 'minimize', directions: ['minimize'] })).suggest());
});

test('a multi-objective sampler takes one value per objective; a non-finite one is a failure, a wrong shape an error', () => {
  const sampler = createSampler(two('tpe', { trials: 5, parallelism: 5 }));
  const [a, b, c] = [sampler.suggest()!, sampler.suggest()!, sampler.suggest()!];
  assert.throws(() => sampler.update(a.id, { value: 1 }), /this sampler has 2 objectives: report \{ values: \[\.\.\.\] \}/);
  assert.throws(() => sampler.update(a.id, { values: [1, 2, 3] }), /expected 2 objective values, got 3/);
  sampler.update(a.id, { values: [1, 5] });
  sampler.update(b.id, { values: [3, Number.NaN] });
  sampler.update(c.id, { values: [2, 9] });
  // The best is by the first objective, with every objective's value; trial b counts as failed.
  assert.deepEqual(sampler.best(), { id: c.id, params: c.params, value: 2, values: [2, 9] });
  const restored = restoreSampler(JSON.parse(JSON.stringify(sampler.state())));
  assert.deepEqual(restored.best(), sampler.best());
});

test('a single-objective sampler takes { values } of one number as it takes { value }', () => {
  const a = createSampler(config('tpe', { trials: 30 }));
  const b = createSampler(config('tpe', { trials: 30 }));
  for (let i = 0; i < 30; i++) {
    const ta = a.suggest()!;
    const tb = b.suggest()!;
    assert.deepEqual(tb, ta);
    a.update(ta.id, { value: objective(ta.params) });
    b.update(tb.id, { values: [objective(tb.params)] });
  }
  assert.deepEqual(b.state(), a.state());
});

test('NSGA-II keeps the non-dominated front of its population, spread out, when a child must leave', () => {
  // Points on the line f1 + f2 = 1 are mutually non-dominated; the dominated ones must leave first.
  const sampler = createSampler({ ...two('genetic', { trials: 60, direction: 'minimize', directions: ['minimize', 'minimize'] }), options: { populationSize: 6 }, mode: 'eager' });
  for (let i = 0; i < 60; i++) {
    const t = sampler.suggest()!;
    const f1 = (t.id % 7) / 6;
    const dominated = t.id % 2 === 0;
    sampler.update(t.id, { values: [f1, 1 - f1 + (dominated ? 0.5 : 0)] });
  }
  const population = (sampler.state().model as { population: { losses: number[] }[] }).population;
  assert.equal(population.length, 6);
  const losses = population.map((m) => m.losses);
  assert.deepEqual(paretoFront(losses).length, 6, JSON.stringify(losses));
  // Both ends of the front survive.
  assert.ok(losses.some((l) => l[0] === 0) && losses.some((l) => l[0] === 1), JSON.stringify(losses));
});

/** ZDT1 (Zitzler, Deb and Thiele 2000) over 6 parameters in [0, 1]; both objectives minimised, Pareto front f2 = 1 - sqrt(f1). */
const ZDT1_SPACE: SearchSpace = Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`x${i}`, { type: 'float', low: 0, high: 1 }]));
function zdt1(params: Params): number[] {
  const x = Array.from({ length: 6 }, (_, i) => params[`x${i}`] as number);
  const g = 1 + (9 * x.slice(1).reduce((a, b) => a + b, 0)) / 5;
  return [x[0], g * (1 - Math.sqrt(x[0] / g))];
}

function zdt1Front(algorithm: SamplerConfig['algorithm'], seed: number): number[][] {
  const sampler = createSampler({ algorithm, space: ZDT1_SPACE, seed, trials: 300, direction: 'minimize', directions: ['minimize', 'minimize'], parallelism: 4 });
  const inFlight: { id: number; params: Params }[] = [];
  const found: number[][] = [];
  while (!sampler.isComplete()) {
    while (inFlight.length < 4) {
      const t = sampler.suggest();
      if (!t) break;
      inFlight.push(t);
    }
    const done = inFlight.shift()!;
    const values = zdt1(done.params);
    found.push(values);
    sampler.update(done.id, { values });
  }
  return paretoFront(found).map((i) => found[i]);
}

test('on ZDT1, the fronts NSGA-II and multi-objective TPE find in 300 trials beat random search with the same seed', () => {
  // The reference point bounds both objectives (f1 <= 1, f2 <= g <= 10); the true front's hypervolume is 11.767.
  const reference = [1.1, 11];
  for (const seed of [1, 2, 3]) {
    const random = zdt1Front('random', seed);
    for (const algorithm of ['genetic', 'tpe'] as const) {
      const front = zdt1Front(algorithm, seed);
      assert.ok(hypervolume(front, reference) > hypervolume(random, reference) + 0.5, `${algorithm}, seed ${seed}: hypervolume`);
      const beaten = random.filter((r) => front.some((f) => dominates(f, r))).length;
      assert.ok(beaten >= 0.75 * random.length, `${algorithm}, seed ${seed}: ${beaten} of random's ${random.length} front points dominated`);
    }
  }
});

// The models fed results directly, as bounded.test.ts does for one objective; multi-objective TPE's steps cost
// O(200^2) comparisons each, so 12,000 results rather than a million: its state stops growing long before.
for (const [name, algorithm] of [['genetic', nsga2], ['tpe', motpe]] as [string, Algorithm<unknown, readonly number[]>][]) {
  test(`${name} with two objectives: the model's state stops growing (12,000 results)`, () => {
    const space = new Space({ x: { type: 'float', low: -1, high: 1 }, y: { type: 'int', low: 0, high: 100 } });
    const options = resolveOptions(name, algorithm.options);
    const state = algorithm.init(space, options, 1);
    const rng = Prng.fromSeed(1);
    const ctx = { space, rng, options, pending: [], feasible: () => true };
    const sizes: number[] = [];
    for (let i = 1; i <= 12_000; i++) {
      algorithm.observe(state, [rng.float(), rng.float()], [Math.sin(i), Math.cos(i * 0.7) + rng.float()], undefined, ctx);
      if (i % 3_000 === 0) sizes.push(JSON.stringify(state).length);
    }
    assert.ok(Math.max(...sizes) < 1_000_000);
    assert.ok(sizes[3] < 1.2 * sizes[0], `sizes ${sizes.join(', ')}`);
    const { elite, recent } = state as { elite?: unknown[]; recent?: unknown[] };
    if (elite && recent) {
      assert.ok(elite.length <= ELITE_CAP);
      assert.ok(elite.length + recent.length <= Math.max(elite.length, 500));
    }
  });
}

