import assert from 'node:assert/strict';
import { test as nodeTest } from 'node:test';
import { checkConstraints, createSampler, gridSize, parseConstraint, type Outcome, type Params, type SamplerConfig, type SearchSpace } from '../../search';
import { config, earlierSearch, MIXED_SPACE, simulate, SMALL_SPACE } from './helpers';

/** MIXED_SPACE with every parameter discrete, for grid search. */
const FINITE_MIXED: SearchSpace = {
  ...MIXED_SPACE,
  stop: { type: 'float', low: 0.5, high: 5, step: 0.25 },
  rate: { type: 'int', low: 1, high: 64, log: true },
};

function assertInSpace(space: SearchSpace, params: Params): void {
  assert.deepEqual(Object.keys(params).sort(), Object.keys(space).sort());
  for (const [name, dist] of Object.entries(space)) {
    const v = params[name];
    if (dist.type === 'categorical') {
      assert.ok(dist.choices.includes(v as never), `${name}=${String(v)} not a choice`);
      continue;
    }
    assert.equal(typeof v, 'number');
    const x = v as number;
    assert.ok(x >= dist.low && x <= dist.high, `${name}=${x} outside [${dist.low}, ${dist.high}]`);
    if (dist.type === 'int') assert.ok(Number.isInteger(x), `${name}=${x} not an integer`);
    if (dist.step !== undefined) {
      const k = (x - dist.low) / dist.step;
      assert.ok(Math.abs(k - Math.round(k)) < 1e-9, `${name}=${x} off the step grid`);
    }
  }
}

const key = (p: Params): string => JSON.stringify(p);

/**
 * The properties every algorithm promises, run once per algorithm (Optuna's pytest_samplers, in spirit); with
 * `directions` of two objectives, as a multi-objective sampler (NSGA-II for genetic, MOTPE for tpe).
 */
export function samplerContract(algorithm: SamplerConfig['algorithm'], options: Record<string, unknown> = {}, directions?: SamplerConfig['direction'][]): void {
  const finiteOnly = algorithm === 'grid';
  const space = finiteOnly ? FINITE_MIXED : MIXED_SPACE;
  const objectives = directions ? { direction: directions[0], directions } : {};
  const base = (o: Partial<SamplerConfig> = {}): SamplerConfig => config(algorithm, { space, options, ...objectives, ...o });
  const adaptive = !['grid', 'random', 'qmc'].includes(algorithm);
  const test = (name: string, fn: () => void) => nodeTest(directions ? `${name} (${directions.length} objectives)` : name, fn);
  const valued = (v: number): Outcome => (directions ? { values: directions.map((_, i) => v + i) } : { value: v });

  test(`${algorithm}: every value lies in its range, on its step grid, of its type`, () => {
    const { proposals } = simulate(base({ trials: 80 }), { parallelism: 3 });
    assert.equal(proposals.length, 80);
    proposals.forEach((t, i) => assert.equal(t.id, i + 1));
    for (const t of proposals) assertInSpace(space, t.params);
  });

  test(`${algorithm}: never proposes a point that violates a constraint`, () => {
    const texts = ['fast * 3 < slow', 'take <= stop - 0.25'];
    const parsed = texts.map(parseConstraint);
    const { proposals } = simulate(base({ trials: 80, constraints: texts }), { parallelism: 2 });
    assert.equal(proposals.length, 80);
    for (const t of proposals) assert.ok(checkConstraints(t.params, parsed), key(t.params));
  });

  test(`${algorithm}: visits a small constrained space exactly once, then completes`, () => {
    const cfg = base({ space: SMALL_SPACE, constraints: ['a < b'], trials: 100 });
    const { proposals, sampler } = simulate(cfg, { parallelism: 4, shuffle: 3 });
    assert.equal(proposals.length, gridSize(SMALL_SPACE, ['a < b']));
    assert.equal(new Set(proposals.map((t) => key(t.params))).size, proposals.length);
    assert.ok(sampler.isComplete());
    assert.equal(sampler.suggest(), null);
  });

  test(`${algorithm}: no duplicates while a finite space is not exhausted`, () => {
    const grid: SearchSpace = { x: { type: 'int', low: 0, high: 19 }, y: { type: 'int', low: 0, high: 14 } };
    const { proposals } = simulate(base({ space: grid, trials: 250 }), { parallelism: 2 });
    assert.equal(proposals.length, 250);
    assert.equal(new Set(proposals.map((t) => key(t.params))).size, 250);
  });

  test(`${algorithm}: the same seed gives the same trials, another seed others`, () => {
    const a = simulate(base({ trials: 30 }), { parallelism: 1 }).proposals;
    const b = simulate(base({ trials: 30 }), { parallelism: 1 }).proposals;
    const c = simulate(base({ trials: 30, seed: 43 }), { parallelism: 1 }).proposals;
    assert.deepEqual(a, b);
    // An unshuffled grid has one order by design.
    if (algorithm === 'grid' && options.shuffle !== true) return;
    assert.notDeepEqual(
      a.map((t) => key(t.params)),
      c.map((t) => key(t.params)),
    );
  });

  test(`${algorithm}: ordered mode proposes the same trials whatever the completion order`, () => {
    for (const parallelism of [1, 3, 5]) {
      const cfg = base({ trials: 45 });
      const reference = simulate(cfg, { parallelism, failEvery: 7 });
      for (const shuffle of [1, 2, 3]) {
        const run = simulate(cfg, { parallelism, failEvery: 7, shuffle });
        assert.deepEqual(run.proposals, reference.proposals, `p=${parallelism} order=${shuffle}`);
        assert.deepEqual(run.sampler.best(), reference.sampler.best());
      }
    }
  });

  if (!adaptive) {
    test(`${algorithm}: proposes the same trials for every parallelism`, () => {
      const one = simulate(base({ trials: 30 }), { parallelism: 1 }).proposals;
      for (const parallelism of [2, 7]) assert.deepEqual(simulate(base({ trials: 30 }), { parallelism, shuffle: 4 }).proposals, one);
    });
  }

  test(`${algorithm}: a sampler rebuilt from JSON after every call continues identically`, () => {
    for (const mode of ['ordered', 'eager'] as const) {
      const cfg = base({ trials: 40, mode, constraints: ['fast * 3 < slow'] });
      const plain = simulate(cfg, { parallelism: 3, shuffle: 5, failEvery: 9 });
      const rebuilt = simulate(cfg, { parallelism: 3, shuffle: 5, failEvery: 9, roundTrip: true });
      assert.deepEqual(rebuilt.proposals, plain.proposals, mode);
      assert.deepEqual(rebuilt.sampler.best(), plain.sampler.best());
      assert.deepEqual(rebuilt.sampler.state(), plain.sampler.state());
    }
  });

  test(`${algorithm}: a budget raised while the last trials run proposes what the larger budget would have`, () => {
    const larger = simulate(base({ trials: 36 }), { parallelism: 3, shuffle: 6 });
    for (const roundTrip of [false, true]) {
      const extended = simulate(base({ trials: 20 }), { parallelism: 3, shuffle: 6, extendTo: 36, roundTrip });
      assert.deepEqual(extended.proposals, larger.proposals);
      assert.equal(extended.sampler.budget(), 36);
      assert.equal((extended.sampler.state().config as SamplerConfig).trials, 36);
    }
    const sampler = createSampler(base({ trials: 10, parallelism: 4 }));
    for (let i = 0; i < 4; i++) assert.ok(sampler.suggest());
    assert.throws(() => sampler.setBudget(3), /below the 4 already proposed/);
    assert.throws(() => sampler.setBudget(2.5), RangeError);
    sampler.setBudget(4);
    assert.equal(sampler.suggest(), null);
  });

  test(`${algorithm}: completes when every trial fails, without deadlock`, () => {
    const { proposals, sampler } = simulate(base({ space: SMALL_SPACE, trials: 30 }), { parallelism: 4, shuffle: 8, failEvery: 1 });
    assert.equal(proposals.length, 24);
    assert.ok(sampler.isComplete());
    assert.equal(sampler.best(), null);
  });

  test(`${algorithm}: a second update of a trial is ignored, an unknown id is an error`, () => {
    const sampler = createSampler(base({ trials: 3 }));
    const t = sampler.suggest();
    assert.ok(t);
    sampler.update(t.id, valued(1));
    sampler.update(t.id, valued(5));
    assert.equal(sampler.best()?.value, 1);
    assert.throws(() => sampler.update(99, valued(1)), RangeError);
  });

  test(`${algorithm}: a warm-started sampler is deterministic and continues identically when rebuilt from JSON`, () => {
    const cfg = base({ trials: 30, constraints: ['fast * 3 < slow'] });
    const prior = earlierSearch(cfg, 40);
    const plain = simulate(cfg, { parallelism: 3, shuffle: 5, prior });
    assert.deepEqual(simulate(cfg, { parallelism: 3, shuffle: 5, prior }).proposals, plain.proposals);
    const rebuilt = simulate(cfg, { parallelism: 3, shuffle: 5, prior, roundTrip: true });
    assert.deepEqual(rebuilt.proposals, plain.proposals);
    assert.deepEqual(rebuilt.sampler.state(), plain.sampler.state());
    const seeded = createSampler({ ...cfg, parallelism: 3 });
    seeded.warmStart(prior);
    assert.deepEqual(JSON.parse(JSON.stringify(seeded.state())), seeded.state(), 'the seeded state is plain JSON');
    if (adaptive) assert.notDeepEqual(plain.proposals, simulate(cfg, { parallelism: 3, shuffle: 5 }).proposals, 'the results reach the algorithm');
  });

  test(`${algorithm}: a warm start's points are not trials, and in a finite space never proposed again`, () => {
    const cfg = base({ space: SMALL_SPACE, constraints: ['a < b'], trials: 100 });
    const all = simulate(cfg, { parallelism: 1 }).proposals.map((t) => t.params);
    const prior = [
      ...all.slice(0, 5).map((params, i) => ({ params, outcome: i === 1 ? ({ failed: true } as const) : valued(i) })),
      { params: { a: 1, b: 8, c: true }, outcome: valued(9) },
      { params: { a: 3, b: 2, c: true }, outcome: valued(9) },
      { params: { a: 1, b: 2 }, outcome: valued(9) },
    ];
    const sampler = createSampler({ ...cfg, parallelism: 2 });
    assert.equal(sampler.warmStart(prior), 5, 'outside the range, breaking the constraint, or missing a parameter: left out');
    assert.equal(sampler.proposed(), 0);
    assert.equal(sampler.best(), null);
    const { proposals } = simulate(cfg, { parallelism: 2, prior });
    assert.equal(proposals[0]?.id, 1);
    assert.equal(proposals.length, all.length - 5);
    const earlier = new Set(all.slice(0, 5).map(key));
    for (const t of proposals) assert.ok(!earlier.has(key(t.params)), `${key(t.params)} was in the warm start`);
    assert.equal(new Set(proposals.map((t) => key(t.params))).size, proposals.length);
  });

  test(`${algorithm}: a warm start comes first, and one that covers a finite space leaves nothing to propose`, () => {
    const cfg = base({ space: SMALL_SPACE, constraints: ['a < b'], trials: 100 });
    const all = simulate(cfg, { parallelism: 1 }).proposals.map((params) => ({ params: params.params, outcome: valued(1) }));
    const covered = createSampler(cfg);
    covered.warmStart(all);
    assert.equal(covered.suggest(), null);
    assert.ok(covered.isComplete());
    const started = createSampler(cfg);
    assert.ok(started.suggest());
    assert.throws(() => started.warmStart(all), /before the first proposal/);
  });
}
