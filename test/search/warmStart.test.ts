import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createSampler, type Params, type PriorTrial, type SamplerConfig } from '../../search';

/** The earlier search's optimum lies near a corner, far from the centre where CMA-ES starts cold. */
const OPTIMUM = { x: 0.8, y: 0.2 };
const distance = (p: Params): number => Math.hypot((p.x as number) - OPTIMUM.x, (p.y as number) - OPTIMUM.y);
const value = (p: Params): number => -distance(p);

function plane(algorithm: SamplerConfig['algorithm'], seed: number): SamplerConfig {
  return { algorithm, space: { x: { type: 'float', low: 0, high: 1 }, y: { type: 'float', low: 0, high: 1 } }, seed, trials: 200, direction: 'maximize', parallelism: 16 };
}

/** `count` uniform points of the plane with their values: what an earlier random search found. */
function earlier(count: number, seed: number): PriorTrial[] {
  const random = createSampler({ ...plane('random', seed + 1000), trials: count });
  const prior: PriorTrial[] = [];
  for (let t = random.suggest(); t; t = random.suggest()) prior.push({ params: t.params, outcome: { value: value(t.params) } });
  return prior;
}

/** The first `n` proposals of a sampler, all made before any result is known (as a session's first window). */
function firstProposals(cfg: SamplerConfig, n: number, prior?: PriorTrial[]): Params[] {
  const sampler = createSampler(cfg);
  if (prior) sampler.warmStart(prior);
  return Array.from({ length: n }, () => sampler.suggest()!.params);
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

test('tpe: warm-started, its first proposals lie near the earlier search best region; cold, they are uniform', () => {
  const seeds = [1, 2, 3, 4, 5];
  const warm = mean(seeds.map((seed) => mean(firstProposals(plane('tpe', seed), 16, earlier(40, seed)).map(distance))));
  const cold = mean(seeds.map((seed) => mean(firstProposals(plane('tpe', seed), 16).map(distance))));
  assert.ok(warm < 0.5 * cold, `mean distance of the first 16 proposals to the optimum: ${warm.toFixed(3)} warm, ${cold.toFixed(3)} cold`);
});

test('cmaes: a warm start centres the first generation on the earlier best points instead of the middle', () => {
  for (const seed of [1, 2, 3]) {
    const centre = (points: Params[]) => ({ x: mean(points.map((p) => p.x as number)), y: mean(points.map((p) => p.y as number)) });
    const warm = centre(firstProposals(plane('cmaes', seed), 16, earlier(60, seed)));
    const cold = centre(firstProposals(plane('cmaes', seed), 16));
    assert.ok(distance(warm) < 0.15, `seed ${seed}: warm centre ${JSON.stringify(warm)}`);
    assert.ok(distance(cold) > 0.25, `seed ${seed}: cold centre ${JSON.stringify(cold)}`);
  }
});

test('genetic: a warm start fills the population with the earlier best, so the first children are good ones', () => {
  for (const seed of [1, 2, 3]) {
    const warm = mean(firstProposals(plane('genetic', seed), 16, earlier(200, seed)).map(value));
    const cold = mean(firstProposals(plane('genetic', seed), 16).map(value));
    assert.ok(warm > cold + 0.1, `seed ${seed}: mean value of the first 16 proposals ${warm.toFixed(3)} warm, ${cold.toFixed(3)} cold`);
  }
});

test('tpe: infeasible results of the earlier search keep the seeded search out of their region; failures do not', () => {
  let steered = 0;
  let blind = 0;
  for (const seed of [9, 10, 11, 12]) {
    const prior = earlier(60, seed);
    const beyond = (broken: PriorTrial['outcome']) => {
      const told = prior.map((t): PriorTrial => ((t.params.x as number) > 0.6 ? { params: t.params, outcome: broken } : t));
      return firstProposals(plane('tpe', seed), 16, told).filter((p) => (p.x as number) > 0.6).length;
    };
    steered += beyond({ infeasible: true });
    blind += beyond({ failed: true });
  }
  assert.ok(steered < 0.5 * blind, `first proposals where the earlier search broke a result constraint: ${steered} when told, ${blind} when not`);
});
