import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createSampler, gridSize, validateSpace, type SamplerConfig, type SearchSpace } from '../../search';

const ok: SearchSpace = { fast: { type: 'int', low: 2, high: 50 }, slow: { type: 'int', low: 10, high: 200 } };

test('bad distributions are rejected with the parameter and the fix', () => {
  const cases: [SearchSpace, RegExp][] = [
    [{ fast: { type: 'int', low: 5, high: 1 } }, /^low <= high must hold, got low=5 high=1 for parameter "fast"$/],
    [{ a: { type: 'int', low: 1.5, high: 3 } }, /int bounds must be integers/],
    [{ a: { type: 'float', low: 0, high: 1, step: 0 } }, /step must be positive, got step=0/],
    [{ a: { type: 'float', low: 0, high: 1, log: true } }, /log scale needs low > 0, got low=0/],
    [{ a: { type: 'float', low: 1, high: 9, log: true, step: 1 } }, /step and log cannot be combined/],
    [{ a: { type: 'categorical', choices: [] } }, /at least one choice/],
    [{ a: { type: 'categorical', choices: ['x', 'x'] } }, /distinct/],
    [{ a: { type: 'bool' } as never }, /unknown type "bool" for parameter "a"/],
    [{}, /search space is empty/],
  ];
  for (const [space, message] of cases) assert.throws(() => validateSpace(space), { name: 'InputError', message });
});

test('constraints must name parameters of the space and leave a feasible point', () => {
  assert.throws(() => validateSpace(ok, ['fast < slwo']), { message: /unknown parameter "slwo" \(did you mean "slow"\?\)/ });
  assert.throws(() => validateSpace(ok, ['fast > slow + 500']), { message: /no point of the search space satisfies/ });
  const continuous: SearchSpace = { x: { type: 'float', low: 0, high: 1 } };
  assert.throws(() => validateSpace(continuous, ['x > 2']), { message: /no point/ });
  const cat: SearchSpace = { ...ok, kind: { type: 'categorical', choices: ['sma', 'ema'] } };
  assert.throws(() => validateSpace(cat, ['kind < 2']), { message: /choices are not all numbers/ });
  validateSpace(ok, ['fast * 2 < slow']);
});

test('gridSize counts the feasible points of a finite space', () => {
  const quickstart: SearchSpace = { fast: { type: 'int', low: 5, high: 50, step: 5 }, slow: { type: 'int', low: 10, high: 200, step: 10 } };
  assert.equal(gridSize(quickstart, ['fast < slow']), 175);
  assert.equal(gridSize(quickstart), 200);
  assert.equal(gridSize({ t: { type: 'float', low: 0.1, high: 0.5, step: 0.1 }, c: { type: 'categorical', choices: [1, 2, 3] } }), 15);
  assert.equal(gridSize({ ...ok, x: { type: 'float', low: 0, high: 1 } }), null);
});

test('createSampler rejects bad settings with a fix', () => {
  const base: SamplerConfig = { algorithm: 'tpe', space: ok, seed: 1, trials: 10, direction: 'maximize' };
  const cases: [Partial<SamplerConfig>, RegExp][] = [
    [{ algorithm: 'tpee' as never }, /unknown algorithm "tpee" \(did you mean "tpe"\?\)/],
    [{ trials: 0 }, /trials must be a positive integer/],
    [{ seed: 1.5 }, /seed must be an integer/],
    [{ parallelism: 0 }, /parallelism must be a positive integer/],
    [{ mode: 'fast' as never }, /mode must be ordered or eager/],
    [{ options: { nStartupTrial: 5 } }, /unknown option "nStartupTrial" for tpe \(did you mean "nStartupTrials"\?\)/],
    [{ options: { nEiCandidates: 0 } }, /option "nEiCandidates" of tpe must be between 1 and 10000, got 0/],
    [{ algorithm: 'cmaes', options: { restarts: 'bipop' } }, /must be one of ipop, none/],
    [{ algorithm: 'grid', space: { ...ok, x: { type: 'float', low: 0, high: 1 } } }, /grid search needs a finite space: give float parameter "x" a step/],
  ];
  for (const [override, message] of cases) assert.throws(() => createSampler({ ...base, ...override }), { name: 'InputError', message });
});
