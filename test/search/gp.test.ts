import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createSampler, type Params, type SamplerConfig } from '../../search';
import { gp, standardise } from '../../search/gp';
import { resolveOptions } from '../../search/options';
import { Prng } from '../../search/prng';
import { INFEASIBLE_LOSS } from '../../search/sampler';
import { Space } from '../../search/space';
import { samplerContract } from './contract';
import { config } from './helpers';

samplerContract('gp');

const BRANIN_SPACE = { x: { type: 'float', low: -5, high: 10 }, y: { type: 'float', low: 0, high: 15 } } as const;
const BRANIN_MINIMUM = 0.397887357729739;

function branin({ x, y }: Params): number {
  const [a, b] = [x as number, y as number];
  return (b - (5.1 / (4 * Math.PI ** 2)) * a * a + (5 / Math.PI) * a - 6) ** 2 + 10 * (1 - 1 / (8 * Math.PI)) * Math.cos(a) + 10;
}

function close(actual: number, expected: number): void {
  assert.ok(Math.abs(actual - expected) < 1e-12, `${actual}, expected ${expected}`);
}

function braninRegret(algorithm: SamplerConfig['algorithm'], seed: number, trials: number): number {
  const sampler = createSampler({ algorithm, space: BRANIN_SPACE, seed, trials, direction: 'minimize' });
  for (let t = sampler.suggest(); t; t = sampler.suggest()) sampler.update(t.id, { value: branin(t.params) });
  return (sampler.best()?.value ?? Infinity) - BRANIN_MINIMUM;
}

test('gp: on Branin, 40 trials come within 0.05 of the minimum for every seed, where random search does not', () => {
  const seeds = [1, 2, 3, 4, 5];
  const gpRegrets = seeds.map((seed) => braninRegret('gp', seed, 40));
  const randomRegrets = seeds.map((seed) => braninRegret('random', seed, 40));
  assert.ok(
    gpRegrets.every((r) => r < 0.05),
    `gp regrets ${gpRegrets.map((r) => r.toExponential(2)).join(', ')}`,
  );
  assert.ok(randomRegrets.filter((r) => r < 0.05).length <= 1, `random regrets ${randomRegrets.map((r) => r.toExponential(2)).join(', ')}`);
});

test('gp: trials proposed while others run are spread apart by the constant liar', () => {
  const sampler = createSampler({ algorithm: 'gp', space: BRANIN_SPACE, seed: 7, trials: 20, direction: 'minimize', mode: 'eager' });
  for (let i = 0; i < 10; i++) {
    const t = sampler.suggest();
    assert.ok(t);
    sampler.update(t.id, { value: branin(t.params) });
  }
  const running = Array.from({ length: 4 }, () => sampler.suggest()?.params as Params);
  for (let i = 0; i < running.length; i++) {
    for (let j = 0; j < i; j++) {
      const a = running[i] as Params;
      const b = running[j] as Params;
      const distance = Math.hypot(((a.x as number) - (b.x as number)) / 15, ((a.y as number) - (b.y as number)) / 15);
      assert.ok(distance > 0.01, `trials ${j + 11} and ${i + 11} lie ${distance.toFixed(4)} apart (unit cube): ${JSON.stringify(running)}`);
    }
  }
});

test('gp: infeasible results count as the worst feasible loss; all infeasible is all zero', () => {
  const y = standardise([1, 3, INFEASIBLE_LOSS, 2]);
  assert.equal(y[2], y[1], 'the infeasible result is the worst feasible one');
  close(y.reduce((a, b) => a + b, 0), 0);
  close(y.reduce((a, b) => a + b * b, 0) / y.length, 1);
  assert.deepEqual(standardise([INFEASIBLE_LOSS, INFEASIBLE_LOSS]), [0, 0]);
  assert.ok(standardise([-1.7e308, 1.7e308, 0]).every(Number.isFinite), 'losses near Number.MAX_VALUE stay finite');
});

test('gp: it remembers at most maxPoints observations, the best half of them the best ever', () => {
  const space = new Space(BRANIN_SPACE);
  const options = resolveOptions('gp', gp.options, { maxPoints: 40 });
  const state = gp.init(space, options, 1);
  const rng = Prng.fromSeed(1);
  const ctx = { space, rng, options, pending: [], feasible: () => true };
  const losses: number[] = [];
  for (let i = 0; i < 1_000; i++) {
    const loss = Math.sin(i * 0.7) * i;
    losses.push(loss);
    gp.observe(state, space.uniform(rng), loss, undefined, ctx);
  }
  assert.equal(state.best.length + state.recent.length, 40);
  const bestEver = [...losses].sort((a, b) => a - b).slice(0, 20);
  assert.deepEqual(
    state.best.map((o) => o.loss),
    bestEver,
  );
  const inBest = new Set(state.best.map((o) => o.seq));
  const latestOthers = Array.from({ length: 1_000 }, (_, seq) => seq).filter((seq) => !inBest.has(seq)).slice(-20);
  assert.deepEqual(
    state.recent.map((o) => o.seq),
    latestOthers,
  );
});

test('gp: a multi-objective config and bad options are refused with the choices', () => {
  const base: SamplerConfig = config('gp', { space: BRANIN_SPACE, direction: 'minimize' });
  assert.throws(() => createSampler({ ...base, directions: ['minimize', 'maximize'] }), {
    name: 'InputError',
    message: /^gp optimises one objective; for 2 objectives choose genetic \(NSGA-II\), tpe \(multi-objective TPE\), random, qmc or grid$/,
  });
  assert.throws(() => createSampler({ ...base, options: { maxPoint: 100 } }), { name: 'InputError', message: /unknown option "maxPoint" for gp \(did you mean "maxPoints"\?\)/ });
  assert.throws(() => createSampler({ ...base, options: { maxPoints: 5000 } }), { name: 'InputError', message: /option "maxPoints" of gp must be between 20 and 500, got 5000/ });
});
