import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import { generateBars, runBacktest, type Bars } from '../../backtest';
import { loadSessionSpec } from '../../config/load';
import { InputError } from '../../errors';
import { runBacktestTrial } from '../../evaluators/backtest';
import { backtestIdentity, trialCacheKey } from '../../store/resultCacheKey';
import type { BacktestEvaluatorSpec } from '../../types/session';
import { makeCampaign, SMA_GRID } from '../helpers/campaign';
import { tuneflow } from '../helpers/cli';

const SERIES = generateBars({ seed: 21, bars: 500, interval: '1d', weekends: false, start: '2016-01-04', mu: 0.1, sigma: 0.3, startPrice: 100 });
const OPTIONS = { cash: 10_000, commission: 0.002 };

/** The first SMA pair whose backtest ends differently with and without entries on the last bar. */
function lastBarPair(bars: Bars): { fast: number; slow: number } {
  for (let fast = 3; fast < 30; fast++) {
    for (let slow = fast + 5; slow < 100; slow++) {
      const params = { fast, slow };
      const parity = runBacktest(bars, 'sma_crossover', params, OPTIONS).metrics.equity_final;
      if (parity !== runBacktest(bars, 'sma_crossover', params, { ...OPTIONS, lastBarEntries: false }).metrics.equity_final) return params;
    }
  }
  throw new Error('no SMA pair signals on the last two bars');
}

const PARAMS = lastBarPair(SERIES);

function campaign(backtest: string): string {
  const { config } = makeCampaign(SMA_GRID.replace('backtest: { cash: 10000, commission: 0.002 }', `backtest: ${backtest}`), { series: SERIES });
  return config;
}

test('backtest.last_bar_entries is written into every new spec: true unless set', () => {
  const parity = loadSessionSpec(campaign('{ cash: 10000, commission: 0.002 }')).evaluator as BacktestEvaluatorSpec;
  assert.equal(parity.lastBarEntries, true);
  const clean = loadSessionSpec(campaign('{ cash: 10000, commission: 0.002, last_bar_entries: false }')).evaluator as BacktestEvaluatorSpec;
  assert.equal(clean.lastBarEntries, false);
  const none = loadSessionSpec(makeCampaign(SMA_GRID.replace(/^backtest:.*\n/m, ''), { series: SERIES }).config).evaluator as BacktestEvaluatorSpec;
  assert.equal(none.lastBarEntries, true, 'without a backtest: section');

  assert.deepEqual(runBacktestTrial(parity, PARAMS).equity_final, runBacktest(SERIES, 'sma_crossover', PARAMS, OPTIONS).metrics.equity_final);
  assert.deepEqual(runBacktestTrial(clean, PARAMS).equity_final, runBacktest(SERIES, 'sma_crossover', PARAMS, { ...OPTIONS, lastBarEntries: false }).metrics.equity_final);
});

test('a spec written before the option (no lastBarEntries) keeps the behaviour its session started with, and its cache key', () => {
  const spec = loadSessionSpec(campaign('{ cash: 10000, commission: 0.002 }')).evaluator as BacktestEvaluatorSpec;
  const { lastBarEntries: _, ...old } = spec;
  const oldTrial = runBacktestTrial(old, PARAMS);
  assert.equal(oldTrial.equity_final, runBacktest(SERIES, 'sma_crossover', PARAMS, { ...OPTIONS, lastBarEntries: false }).metrics.equity_final);
  assert.notEqual(oldTrial.equity_final, runBacktestTrial(spec, PARAMS).equity_final);

  assert.ok(!('lastBarEntries' in JSON.parse(JSON.stringify(backtestIdentity(old, PARAMS)))), 'an old spec\'s identity has no such key');
  const cached = (s: BacktestEvaluatorSpec) => trialCacheKey({ ...s, cache: { maxEntries: 10 } }, PARAMS);
  const keys = new Set([cached(old), cached(spec), cached({ ...spec, lastBarEntries: false })]);
  assert.equal(keys.size, 3);
});

test('a last_bar_entries that is not true or false stops the config, naming the key', () => {
  const config = campaign('{ cash: 10000, commission: 0.002, last_bar_entries: sometimes }');
  assert.throws(() => loadSessionSpec(config), (e: Error) => e instanceof InputError && /last_bar_entries/.test(e.message));
});

test('tuneflow backtest --no-last-bar-entries opens nothing on the last bar', async () => {
  const { dir, data } = makeCampaign('', { series: SERIES });
  const args = ['backtest', '--data', data, '--strategy', 'sma_crossover', '--param', `fast=${PARAMS.fast}`, '--param', `slow=${PARAMS.slow}`, '--commission', '0.002', '--json'];
  const parity = await tuneflow(args);
  const clean = await tuneflow([...args, '--no-last-bar-entries']);
  assert.equal(parity.code, 0, parity.stderr);
  assert.equal(clean.code, 0, clean.stderr);
  const equity = (text: string) => (JSON.parse(text) as { equity_final: number }).equity_final;
  assert.equal(equity(parity.stdout), runBacktest(SERIES, 'sma_crossover', PARAMS, OPTIONS).metrics.equity_final);
  assert.equal(equity(clean.stdout), runBacktest(SERIES, 'sma_crossover', PARAMS, { ...OPTIONS, lastBarEntries: false }).metrics.equity_final);
  assert.deepEqual(fs.readdirSync(dir).sort(), ['campaign.yaml', 'prices.csv'], 'backtest writes no file');
});
