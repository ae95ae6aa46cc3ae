import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createSampler, restoreSampler, type Sampler, type SamplerConfig } from '../../search';
import { config, objective } from './helpers';

const tpe = (o: Partial<SamplerConfig> = {}): SamplerConfig => config('tpe', { trials: 30, parallelism: 3, options: { nStartupTrials: 2 }, ...o });

function take(sampler: Sampler): { id: number; params: Record<string, unknown> } {
  const t = sampler.suggest();
  assert.ok(t, 'expected a trial');
  return t;
}

test('ordered mode: trial n waits for the results of trials 1..n-p', () => {
  const s = createSampler(tpe());
  const [t1, t2, t3] = [take(s), take(s), take(s)];
  assert.equal(s.suggest(), null, 'trial 4 needs trial 1');
  s.update(t2.id, { value: objective(t2.params as never) });
  s.update(t3.id, { value: objective(t3.params as never) });
  assert.equal(s.suggest(), null, 'later results do not release trial 4');
  s.update(t1.id, { failed: true });
  assert.equal(take(s).id, 4, 'a failure counts as known');
  assert.equal(take(s).id, 5);
  assert.equal(take(s).id, 6);
  assert.equal(s.suggest(), null);
});

test('ordered mode: the proposal for n uses exactly trials 1..n-p, however many more are known', () => {
  const early = createSampler(tpe());
  const late = createSampler(tpe());
  const a = [take(early), take(early), take(early)];
  const b = [take(late), take(late), take(late)];
  assert.deepEqual(a, b);
  for (const t of a) early.update(t.id, { value: objective(t.params as never) });
  late.update(b[0]!.id, { value: objective(b[0]!.params as never) });
  assert.deepEqual(take(early), take(late));
});

test('eager mode uses results as they come and never waits', () => {
  const s = createSampler(tpe({ mode: 'eager' }));
  for (let i = 1; i <= 6; i++) assert.equal(take(s).id, i);
});

test('a state taken with trials in flight continues exactly, results included', () => {
  const a = createSampler(tpe());
  const inFlight = [take(a), take(a), take(a)];
  a.update(inFlight[1]!.id, { value: 1 });
  const b = restoreSampler(JSON.parse(JSON.stringify(a.state())));
  for (const s of [a, b]) {
    s.update(inFlight[0]!.id, { value: 2 });
    s.update(inFlight[2]!.id, { value: 3 });
  }
  for (let i = 0; i < 3; i++) assert.deepEqual(take(b), take(a));
  assert.deepEqual(b.best(), a.best());
});

test('isComplete only once every proposed trial is reported', () => {
  const s = createSampler(config('random', { trials: 2 }));
  const [t1, t2] = [take(s), take(s)];
  assert.equal(s.suggest(), null);
  assert.equal(s.isComplete(), false);
  s.update(t2.id, { value: 1 });
  assert.equal(s.isComplete(), false);
  s.update(t1.id, { value: Number.NaN });
  assert.equal(s.isComplete(), true);
  assert.deepEqual(s.best(), { id: 2, params: t2.params, value: 1 });
});

test('best() breaks ties by the lowest id and follows the direction', () => {
  const s = createSampler(config('random', { trials: 3, direction: 'minimize' }));
  const [t1, t2, t3] = [take(s), take(s), take(s)];
  s.update(t3.id, { value: 1 });
  s.update(t2.id, { value: 1 });
  s.update(t1.id, { value: 5 });
  assert.equal(s.best()?.id, 2);
});
