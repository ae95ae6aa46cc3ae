import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadSessionSpec } from '../../config/load';
import { InputError } from '../../errors';
import { makeCampaign } from '../helpers/campaign';

const SMA = `strategy: sma_crossover
params:
  fast: { type: int, low: 5, high: 25, step: 5 }
  slow: { type: int, low: 10, high: 60, step: 10 }
constraints: ["fast < slow"]
`;

const load = (body: string) => loadSessionSpec(makeCampaign(`${SMA}${body}`).config, { sessionId: 'objectives' });

test('a list of objectives gives a multi-objective spec: every objective, and one direction each for the search', () => {
  const spec = load('objective: [sharpe, { metric: max_drawdown_pct, direction: maximize }, { metric: volatility_ann_pct }]\nsearch: { algorithm: genetic, trials: 20 }\n');
  assert.deepEqual(spec.objective, { metric: 'sharpe', direction: 'maximize' });
  assert.deepEqual(spec.objectives, [
    { metric: 'sharpe', direction: 'maximize' },
    { metric: 'max_drawdown_pct', direction: 'maximize' },
    { metric: 'volatility_ann_pct', direction: 'minimize' },
  ]);
  assert.equal(spec.search.direction, 'maximize');
  assert.deepEqual(spec.search.directions, ['maximize', 'maximize', 'minimize']);
});

test('one objective, alone or in a list of one, is a single-objective spec as before', () => {
  for (const objective of ['sharpe', '[sharpe]', '{ metric: sharpe }']) {
    const spec = load(`objective: ${objective}\n`);
    assert.deepEqual(spec.objective, { metric: 'sharpe', direction: 'maximize' });
    assert.equal(spec.objectives, undefined, objective);
    assert.equal('directions' in spec.search, false, objective);
  }
});

test('bad objective lists stop with the file, the key and the fix', () => {
  const cases: Array<[string, RegExp]> = [
    ['objective: [sharpe, sharpe]\n', /`objective\[1\]`: sharpe is listed twice; list each objective once\.$/],
    ['objective: [sharpe, shrpe]\n', /`objective\[1\]`: unknown metric "shrpe"; choose one of equity_final, /],
    ['objective: [sharpe, calmar, sortino, sqn, trades]\n', /`objective`: expected a metric name, \{ metric, direction \}, or a list of 1 to 4 of them\.$/],
    ['objective: [sharpe, calmar]\nsearch: { algorithm: cmaes, trials: 10 }\n', /`search`: cmaes optimises one objective; for 2 objectives choose genetic \(NSGA-II\), tpe \(multi-objective TPE\), random, qmc or grid\.$/],
    [
      'objective: [sharpe, calmar]\nsearch: { algorithm: tpe, trials: 10 }\nwalk_forward: { splits: 2, train: 200, test: 100 }\n',
      /`walk_forward` recommends one parameter set by its out-of-sample rank, so it needs one `objective`, not 2; weigh the others with `rank`/,
    ],
  ];
  for (const [body, message] of cases) {
    const campaign = makeCampaign(`${SMA}${body}`);
    assert.throws(() => loadSessionSpec(campaign.config), (err: unknown) => err instanceof InputError && err.message.startsWith(campaign.config) && message.test(err.message), body);
  }
});
