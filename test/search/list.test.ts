import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ListSampler, restoreSampler } from '../../search';
import { config, SMALL_SPACE } from './helpers';

const trials = [
  { id: 7, params: { fast: 5, slow: 20 } },
  { id: 12, params: { fast: 10, slow: 30 } },
  { id: 40, params: { fast: 15, slow: 60 } },
];

test('a list sampler proposes its trials in order under their own ids, then completes', () => {
  const sampler = ListSampler.of(trials, config('random', { space: SMALL_SPACE, trials: 100 }));
  assert.equal(sampler.budget(), 3);
  assert.deepEqual(sampler.suggest(), trials[0]);
  assert.deepEqual(sampler.suggest(), trials[1]);
  assert.equal(sampler.lastProposedId(), 12);
  sampler.update(12, { value: 2 });
  sampler.update(7, { value: 2 });
  assert.deepEqual(sampler.best(), { id: 7, params: trials[0]?.params, value: 2 }, 'ties go to the lower id');
  assert.equal(sampler.isComplete(), false);
  assert.deepEqual(sampler.suggest(), trials[2]);
  assert.equal(sampler.suggest(), null);
  sampler.update(40, { failed: true });
  assert.equal(sampler.isComplete(), true);
  assert.throws(() => sampler.update(8, { value: 1 }), RangeError);
  assert.throws(() => sampler.setBudget(10), /no budget to change/);
});

test('a list sampler rebuilt from its state continues identically', () => {
  const sampler = ListSampler.of(trials, config('tpe', { space: SMALL_SPACE, trials: 100, direction: 'minimize' }));
  sampler.suggest();
  sampler.update(7, { value: 3 });
  const rebuilt = restoreSampler(sampler.state());
  assert.deepEqual(rebuilt.state(), sampler.state());
  assert.deepEqual(rebuilt.suggest(), trials[1]);
  rebuilt.update(12, { value: 1 });
  assert.equal(rebuilt.best()?.id, 12, 'minimize: the lower value wins');
});
