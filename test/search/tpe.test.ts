import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { createSampler, restoreSampler, withCurrentDefaults, type SamplerConfig } from '../../search';
import { Parzen, rampWeights } from '../../search/parzen';
import { Prng } from '../../search/prng';
import { Space } from '../../search/space';
import { samplerContract } from './contract';
import { MIXED_SPACE, objective, secondObjective } from './helpers';

samplerContract('tpe');

/** Every params a sampler proposes for 80 trials, 3 in flight (so the constant liar takes part), as one hash. */
function proposalsHash(config: SamplerConfig): string {
  const sampler = createSampler(config);
  const proposed = [];
  const running = [];
  for (;;) {
    for (let t = sampler.suggest(); t; t = sampler.suggest()) {
      running.push(t);
      proposed.push(t.params);
    }
    const done = running.shift();
    if (!done) break;
    const multi = (config.directions?.length ?? 1) > 1;
    sampler.update(done.id, multi ? { values: [objective(done.params), secondObjective(done.params)] } : { value: objective(done.params) });
  }
  return createHash('sha256').update(JSON.stringify(proposed)).digest('hex');
}

const base: SamplerConfig = { algorithm: 'tpe', space: MIXED_SPACE, seed: 5, trials: 80, direction: 'minimize', parallelism: 3 };

test('a config without the options new sessions get proposes, to the last bit, what it proposed before they existed', () => {
  // Recorded with the code of commit ece95a5, before withCurrentDefaults and the faster Parzen estimator.
  assert.equal(proposalsHash(base), '810ea5e33331a6cfcce149bd1e0355ad20ce7d8122769efcf2be5b29886315f1');
  assert.equal(proposalsHash({ ...base, options: { multivariate: false } }), 'aecf5b0fee26524198a5ca4b11177b13e72b26b271309eca646c5c8fca26ad79');
  assert.equal(proposalsHash({ ...base, directions: ['minimize', 'maximize'] }), 'f712215cea78f401e149f8897e1684932ff690e991413ea3ea396c414d650897');
});

test('a new session records 64 EI candidates for single-objective TPE; what a config sets, other algorithms and MOTPE stay as they are', () => {
  assert.deepEqual(withCurrentDefaults(base).options, { nEiCandidates: 64 });
  assert.deepEqual(withCurrentDefaults({ ...base, options: { nEiCandidates: 24, priorWeight: 2 } }).options, { nEiCandidates: 24, priorWeight: 2 });
  assert.deepEqual(withCurrentDefaults({ ...base, options: { nStartupTrials: 5 } }).options, { nEiCandidates: 64, nStartupTrials: 5 });
  const multi: SamplerConfig = { ...base, directions: ['minimize', 'maximize'] };
  assert.equal(withCurrentDefaults(multi), multi);
  const random: SamplerConfig = { ...base, algorithm: 'random' };
  assert.equal(withCurrentDefaults(random), random);
});

test('the recorded option travels in the state: a restored sampler keeps proposing with 64 candidates, an old state with 24', () => {
  const current = withCurrentDefaults(base);
  const drive = (config: SamplerConfig, cut: number): string[] => {
    let sampler = createSampler(config);
    const out: string[] = [];
    for (let t = sampler.suggest(); t; t = sampler.suggest()) {
      sampler.update(t.id, { value: objective(t.params) });
      out.push(JSON.stringify(t.params));
      if (t.id === cut) sampler = restoreSampler(JSON.parse(JSON.stringify(sampler.state())));
    }
    return out;
  };
  const whole = drive({ ...current, parallelism: 1 }, 0);
  assert.deepEqual(drive({ ...current, parallelism: 1 }, 30), whole);
  assert.equal((createSampler(current).state().config.options as Record<string, unknown>).nEiCandidates, 64);
  const old = drive({ ...base, parallelism: 1 }, 30);
  assert.deepEqual(old.slice(0, 10), whole.slice(0, 10), 'the random startup trials do not depend on the candidates');
  assert.notDeepEqual(old.slice(10), whole.slice(10));
});

test('a Parzen log density is the log of the mixture of its truncated kernels, over every dim or one', () => {
  const space = new Space({ a: { type: 'float', low: 0, high: 1 }, b: { type: 'float', low: 0, high: 1 } });
  const rng = Prng.fromSeed(3);
  const observations = Array.from({ length: 40 }, () => space.uniform(rng));
  const parzen = new Parzen(space.dims, observations, rampWeights(40), 1);
  const points = Array.from({ length: 5 }, () => space.uniform(rng));
  // By quadrature: the density integrates to 1 over the unit square, and its marginal over [0, 1].
  const grid = 400;
  const cells = Array.from({ length: grid * grid }, (_, i) => [((i % grid) + 0.5) / grid, (Math.floor(i / grid) + 0.5) / grid]);
  const mass = parzen.logPdf(cells).reduce((sum, v) => sum + Math.exp(v), 0) / (grid * grid);
  assert.ok(Math.abs(mass - 1) < 1e-3, `mass ${mass}`);
  const line = Array.from({ length: grid }, (_, i) => [(i + 0.5) / grid, 0]);
  const marginal = parzen.logPdf(line, 0).reduce((sum, v) => sum + Math.exp(v), 0) / grid;
  assert.ok(Math.abs(marginal - 1) < 1e-3, `marginal mass ${marginal}`);
  const each = parzen.logPdf(points);
  points.forEach((p, i) => assert.equal(parzen.logPdf([p])[0], each[i], 'a point scores the same alone as in a batch'));
});
