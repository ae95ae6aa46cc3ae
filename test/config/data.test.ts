import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import { runBacktestTrial } from '../../evaluators/backtest';
import { trialBacktest } from '../../evaluators/brokerOptions';
import { trialCacheKey } from '../../store/resultCacheKey';
import { generateBars, loadBars, runBacktest } from '../../backtest';
import { loadSessionSpec } from '../../config/load';
import { InputError } from '../../errors';
import type { BacktestEvaluatorSpec } from '../../types/session';
import { makeCampaign, SMA_SPLITS } from '../helpers/campaign';

const HOURLY = generateBars({ seed: 9, bars: 2400, interval: '1h', weekends: true, start: '2024-01-01', mu: 0.1, sigma: 0.4, startPrice: 100 });

/** A campaign on hourly bars whose `data:` is `data`. */
function hourlyCampaign(data: string, body = SMA_SPLITS): { config: string; data: string } {
  const campaign = makeCampaign(body, { series: HOURLY });
  fs.writeFileSync(campaign.config, fs.readFileSync(campaign.config, 'utf8').replace('data: prices.csv', `data: ${data}`));
  return campaign;
}

test('data: { path, timezone, timeframe } reaches the trials: the resampled bars, in the canonical zone', () => {
  const campaign = hourlyCampaign('{ path: prices.csv, timezone: asia/tokyo, timeframe: 4h }');
  const spec = loadSessionSpec(campaign.config, { sessionId: 'data-4h' });
  const evaluator = spec.evaluator as BacktestEvaluatorSpec;
  assert.equal(evaluator.dataPath, campaign.data);
  assert.equal(evaluator.timezone, 'Asia/Tokyo');
  assert.equal(evaluator.timeframe, '4h');

  const bars = loadBars(campaign.data, { timezone: 'Asia/Tokyo', timeframe: '4h' });
  assert.equal(bars.length, 600, '2,400 hourly bars from a Tokyo midnight');
  const params = { fast: 10, slow: 40 };
  const trial = runBacktestTrial(evaluator, params);
  const direct = runBacktest(bars, 'sma_crossover', params, trialBacktest(evaluator, params, undefined).options).metrics;
  assert.equal(trial.sharpe, direct.sharpe);
  assert.equal(trial.trades, direct.trades);
  const hourly = runBacktestTrial({ ...evaluator, timeframe: undefined, timezone: undefined }, params);
  assert.notEqual(hourly.trades, trial.trades, 'the hourly bars trade differently');

  const withCache = { ...evaluator, cache: { maxEntries: 10 } };
  const keys = new Set([trialCacheKey(withCache, params), trialCacheKey({ ...withCache, timeframe: '1d' }, params), trialCacheKey({ ...withCache, timezone: undefined }, params)]);
  assert.equal(keys.size, 3, 'the timeframe and the zone are part of the result cache key');

  const plain = loadSessionSpec(hourlyCampaign('prices.csv').config).evaluator as BacktestEvaluatorSpec;
  assert.ok(!('timezone' in plain) && !('timeframe' in plain), 'a plain path adds nothing to the spec');
});

test('walk-forward windows are planned on the resampled bars', () => {
  const body = `${SMA_SPLITS}walk_forward: { splits: 3, train: 200, test: 50 }\nsearch: { algorithm: random, trials: 8 }\n`;
  const spec = loadSessionSpec(hourlyCampaign('{ path: prices.csv, timeframe: 4h }', body).config, { sessionId: 'wf-4h' });
  const last = spec.walkForward!.splits.at(-1)!;
  assert.equal(last.test.end, 600, 'the last test window ends at the last of the 600 4h bars');
  const hourly = loadSessionSpec(hourlyCampaign('prices.csv', body).config, { sessionId: 'wf-1h' });
  assert.equal(hourly.walkForward!.splits.at(-1)!.test.end, 2400);
});

test('bad data settings stop the config with the file, the key and the problem', () => {
  const cases: Array<[string, RegExp, string?]> = [
    ['{ path: prices.csv, timezone: Mars/Olympus }', /`data\.timezone`: time zone "Mars\/Olympus" is not one of the tz database/],
    ['{ path: prices.csv, timeframe: 4 hours }', /`data\.timeframe`: timeframe "4 hours" is not one tuneflow resamples to/],
    ['{ path: prices.csv, zone: UTC }', /unknown key `data\.zone`/],
    ['{ timeframe: 4h }', /`data\.path`: required/],
    ['42', /`data`: expected the path of a CSV or Parquet file, or \{ path, timezone, timeframe \}/],
    ['{ path: prices.csv, timeframe: 30min }', /prices\.csv: the timeframe 30min is finer than the data, whose bars are 1h apart/],
  ];
  for (const [data, message] of cases) {
    const campaign = hourlyCampaign(data);
    assert.throws(() => loadSessionSpec(campaign.config), (err: unknown) => err instanceof InputError && message.test(err.message), data);
  }
  const command = hourlyCampaign('{ path: prices.csv, timeframe: 4h }', 'evaluator: { command: ["python3", "bt.py"] }\nparams: { fast: [5, 10] }\nobjective: { metric: score, direction: maximize }\n');
  assert.throws(
    () => loadSessionSpec(command.config),
    (err: unknown) => err instanceof InputError && err.message.startsWith(command.config) && /`data\.timeframe` shapes the bars of the built-in engine/.test(err.message),
  );
});
