import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDuration } from '../../config/duration';
import { loadSessionSpec } from '../../config/load';
import { InputError } from '../../errors';
import { makeCampaign, SMA_GRID } from '../helpers/campaign';

test('durations parse with units, and bare numbers are seconds', () => {
  assert.equal(parseDuration('500ms'), 500);
  assert.equal(parseDuration('30s'), 30_000);
  assert.equal(parseDuration('1.5m'), 90_000);
  assert.equal(parseDuration('2h'), 7_200_000);
  assert.equal(parseDuration('1d'), 86_400_000);
  assert.equal(parseDuration(3), 3000);
  assert.equal(parseDuration('soon'), null);
  assert.equal(parseDuration('-1s'), null);
});

test('a grid config resolves to a spec whose budget is the constrained grid size', () => {
  const campaign = makeCampaign(SMA_GRID);
  const spec = loadSessionSpec(campaign.config, { sessionId: 's1' });
  assert.equal(spec.sessionId, 's1');
  assert.equal(spec.search.algorithm, 'grid');
  assert.equal(spec.search.trials, 24);
  assert.deepEqual(spec.search.space.fast, { type: 'int', low: 5, high: 25, step: 5 });
  assert.deepEqual(spec.objective, { metric: 'sharpe', direction: 'maximize' });
  assert.equal(spec.evaluator.dataPath, campaign.data);
  assert.equal(spec.trial.retry.maximumAttempts, 3);
  assert.equal(spec.trial.timeoutMs, 60_000);
});

test('command-line overrides win over the YAML', () => {
  const campaign = makeCampaign(`${SMA_GRID}search: { algorithm: random, trials: 10, seed: 1 }\n`);
  const spec = loadSessionSpec(campaign.config, { trials: 5, seed: 3, parallelism: 2, algorithm: 'grid' });
  assert.equal(spec.search.trials, 5);
  assert.equal(spec.search.seed, 3);
  assert.equal(spec.search.parallelism, 2);
  assert.equal(spec.search.algorithm, 'grid');
});

test('a new TPE session records the options it runs with today; what the YAML sets and other algorithms stay as written', () => {
  const tpe = loadSessionSpec(makeCampaign(`${SMA_GRID}search: { algorithm: tpe, trials: 20 }\n`).config);
  assert.deepEqual(tpe.search.options, { nEiCandidates: 64 });
  const set = loadSessionSpec(makeCampaign(`${SMA_GRID}search: { algorithm: tpe, trials: 20, options: { nEiCandidates: 24 } }\n`).config);
  assert.deepEqual(set.search.options, { nEiCandidates: 24 });
  const flag = loadSessionSpec(makeCampaign(`${SMA_GRID}search: { algorithm: tpe, trials: 20 }\n`).config, { algorithm: 'random' });
  assert.deepEqual(flag.search.options, {});
});

test('short forms: a bare list is categorical, float bounds make a float', () => {
  const campaign = makeCampaign(`strategy: bollinger_breakout
params:
  period: [10, 20, 30]
  k: { low: 1.5, high: 3.0 }
search: { algorithm: random, trials: 5 }
`);
  const spec = loadSessionSpec(campaign.config);
  assert.deepEqual(spec.search.space.period, { type: 'categorical', choices: [10, 20, 30] });
  assert.deepEqual(spec.search.space.k, { type: 'float', low: 1.5, high: 3 });
});

test('a budget is required where the space is continuous', () => {
  const campaign = makeCampaign(`strategy: bollinger_breakout
params:
  k: { low: 1.5, high: 3.0 }
search: { algorithm: tpe }
`);
  assert.throws(() => loadSessionSpec(campaign.config), (err: unknown) => err instanceof InputError && /search\.trials` is required/.test(err.message));
});

test('parameters the strategy does not have are rejected', () => {
  const campaign = makeCampaign(`strategy: sma_crossover
params:
  fats: { low: 5, high: 10 }
`);
  assert.throws(() => loadSessionSpec(campaign.config), (err: unknown) => err instanceof InputError && /fats/.test(err.message));
});

const COMMAND_CAMPAIGN = `evaluator:
  command: ["python3", "bt.py"]
  env: ENV_BODY
params:
  fast: [5, 10]
objective: { metric: score, direction: maximize }
`;

test('evaluator.env holds literal values and references to the worker\'s environment, never their values', () => {
  process.env.TUNEFLOW_TEST_CONFIG_TOKEN = 'value-of-the-cli';
  try {
    const campaign = makeCampaign(COMMAND_CAMPAIGN.replace('ENV_BODY', '{ MODE: fast, TOKEN: { from_env: TUNEFLOW_TEST_CONFIG_TOKEN } }'));
    const spec = loadSessionSpec(campaign.config);
    assert.equal(spec.evaluator.kind, 'command');
    assert.deepEqual(spec.evaluator.kind === 'command' && spec.evaluator.env, { MODE: 'fast', TOKEN: { fromEnv: 'TUNEFLOW_TEST_CONFIG_TOKEN' } });
    assert.ok(!JSON.stringify(spec).includes('value-of-the-cli'), 'the spec, config as written included, holds only the name');
  } finally {
    delete process.env.TUNEFLOW_TEST_CONFIG_TOKEN;
  }
});

test('evaluator.env names and references are checked, with the key path in the message', () => {
  const cases: [string, RegExp][] = [
    ['{ BAD-NAME: x }', /`evaluator\.env\.BAD-NAME`: an environment variable name has letters, digits and underscores and does not start with a digit\.$/],
    ['{ RATE: 0.001 }', /`evaluator\.env\.RATE`: expected a string \(a literal value; quote numbers, e\.g\. "0\.001"\) or \{ from_env: NAME \}/],
    ['{ TOKEN: { from_env: 1TOKEN } }', /`evaluator\.env\.TOKEN\.from_env`: an environment variable name has letters/],
    ['{ TOKEN: { from_env: TOKEN, default: x } }', /unknown key `evaluator\.env\.TOKEN\.default`/],
  ];
  for (const [env, message] of cases) {
    const campaign = makeCampaign(COMMAND_CAMPAIGN.replace('ENV_BODY', env));
    assert.throws(() => loadSessionSpec(campaign.config), (err: unknown) => err instanceof InputError && err.message.startsWith(campaign.config) && message.test(err.message), env);
  }
});

test('search.warm_start names an earlier session, alone or with a cap; the trial store is asked only when the session starts', () => {
  const load = (warm: string, extra = '') => loadSessionSpec(makeCampaign(`${SMA_GRID}search: { algorithm: tpe, trials: 20, warm_start: ${warm} }\n${extra}`).config, { sessionId: 'later' });
  assert.deepEqual(load('earlier').warmStart, { sessionId: 'earlier', trials: 1000 });
  assert.deepEqual(load('{ session: earlier/split-2, trials: 50 }').warmStart, { sessionId: 'earlier/split-2', trials: 50 });
  assert.equal(loadSessionSpec(makeCampaign(SMA_GRID).config).warmStart, undefined, 'a cold start carries no field, as specs of earlier releases');
  const refused = (warm: string, expect: RegExp, extra = '') => assert.throws(() => load(warm, extra), (err: unknown) => err instanceof InputError && expect.test(err.message));
  refused('"../x"', /`search\.warm_start`: expected a session id \(or <session>\/split-<k>\), but use letters, digits/);
  refused('{ session: earlier, trials: 1001 }', /`search\.warm_start\.trials`: at most 1000/);
  refused('{ session: earlier, trail: 5 }', /unknown key `search\.warm_start\.trail`/);
  refused('later', /`search\.warm_start`: session later cannot start from its own trials/);
  refused('earlier', /`search\.warm_start` seeds the search of a plain session; each walk-forward split/, 'walk_forward: { splits: 2, train: 200, test: 100 }\n');
});
