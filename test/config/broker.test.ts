import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { loadBars, runBacktest } from '../../backtest';
import { loadSessionSpec } from '../../config/load';
import { InputError } from '../../errors';
import { runBacktestTrial, runBacktestTrials, runStagedBacktests, runWindow } from '../../evaluators/backtest';
import { pruningRule } from '../../pruning/rules';
import { brokerParamNames, trialBacktest } from '../../evaluators/brokerOptions';
import { backtestIdentity, trialCacheKey } from '../../store/resultCacheKey';
import type { BacktestEvaluatorSpec } from '../../types/session';
import { makeCampaign } from '../helpers/campaign';
import { tuneflow } from '../helpers/cli';

const SMA = `strategy: sma_crossover
params:
  fast: { type: int, low: 5, high: 20, step: 5 }
  slow: { type: int, low: 30, high: 60, step: 10 }
search: { algorithm: random, trials: 10 }
`;

const load = (backtest: string, rest = '') => {
  const campaign = makeCampaign(`${SMA}backtest:\n${backtest}\n${rest}`);
  return { campaign, spec: loadSessionSpec(campaign.config) };
};
const backtestOf = (spec: ReturnType<typeof loadSessionSpec>): BacktestEvaluatorSpec => {
  assert.equal(spec.evaluator.kind, 'backtest');
  return spec.evaluator as BacktestEvaluatorSpec;
};
const rejects = (backtest: string, ...parts: string[]) =>
  assert.throws(() => load(backtest), (err: unknown) => {
    assert.ok(err instanceof InputError, String(err));
    for (const part of parts) assert.ok(err.message.includes(part), `${err.message} lacks ${part}`);
    return true;
  });

test('fixed costs and exits from YAML reach the spec under the engine names', () => {
  const { spec } = load(`  commission: { relative: 0.001, fixed: 1.5 }
  spread: 0.0002
  slippage: { fixed: 0.01, range: 0.1 }
  size: { units: 20 }
  stop_loss: 0.05
  take_profit: 0.1
  trailing_stop: 0.03`);
  const evaluator = backtestOf(spec);
  assert.deepEqual(
    [evaluator.commission, evaluator.commissionFixed, evaluator.spread, evaluator.slippage, evaluator.sizeUnits, evaluator.stopLoss, evaluator.takeProfit, evaluator.trailingStop],
    [0.001, 1.5, 0.0002, { fixed: 0.01, range: 0.1 }, 20, 0.05, 0.1, 0.03],
  );
  assert.deepEqual(Object.keys(spec.search.space), ['fast', 'slow']);
});

test('a setting given as a parameter joins the search space under its key path, and constraints can name it', () => {
  const { spec } = load(`  commission: { fixed: { low: 0, high: 5 } }
  stop_loss: { low: 0.01, high: 0.1 }
  take_profit: [0.05, 0.1, 0.2]
  size: 0.5`, 'constraints: ["take_profit > stop_loss"]');
  const evaluator = backtestOf(spec);
  assert.deepEqual(spec.search.space.stop_loss, { type: 'float', low: 0.01, high: 0.1 });
  assert.deepEqual(spec.search.space.commission_fixed, { type: 'float', low: 0, high: 5 }, 'a broker range is a float unless it says int');
  assert.deepEqual(spec.search.space.take_profit, { type: 'categorical', choices: [0.05, 0.1, 0.2] });
  assert.deepEqual(evaluator.stopLoss, { param: 'stop_loss' });
  assert.deepEqual(brokerParamNames(evaluator).sort(), ['commission_fixed', 'stop_loss', 'take_profit']);
  assert.deepEqual(spec.search.constraints, ['take_profit > stop_loss']);
});

test('a trial of a tuned session hands the strategy its own parameters and the broker the rest', () => {
  const { campaign, spec } = load(`  commission: 0.001
  stop_loss: { low: 0.01, high: 0.1 }
  size: { units: { low: 1, high: 50 } }`);
  const evaluator = backtestOf(spec);
  const params = { fast: 10, slow: 40, stop_loss: 0.03, size_units: 7 };
  const trial = trialBacktest(evaluator, params, undefined);
  assert.deepEqual(trial.params, { fast: 10, slow: 40 });
  assert.deepEqual(trial.options, { cash: 10_000, commission: 0.001, lastBarEntries: true, window: undefined, stopLoss: 0.03, sizeUnits: 7 });
  const bars = loadBars(campaign.data);
  const direct = runBacktest(bars, 'sma_crossover', { fast: 10, slow: 40 }, { cash: 10_000, commission: 0.001, stopLoss: 0.03, sizeUnits: 7 }).metrics;
  assert.equal(runBacktestTrial(evaluator, params).sharpe, direct.sharpe);
  const batch = runBacktestTrials(evaluator, [params, { ...params, stop_loss: 0.08 }, { fast: 10, slow: 40 }]);
  assert.equal((batch[0] as Record<string, number>).sharpe, direct.sharpe);
  assert.notEqual((batch[1] as Record<string, number>).trades, null);
  assert.ok(batch[2] instanceof InputError && /broker setting "size_units" needs a number, got null/.test(batch[2].message), 'a set without its tuned settings fails alone');
});

test('staged runs and walk-forward windows of a tuned session take each trial\'s broker settings', () => {
  const { spec } = load('  stop_loss: { low: 0.01, high: 0.1 }\n  trailing_stop: [0.03, 0.06]', 'pruning: { stages: 3, rule: median }');
  const evaluator = backtestOf(spec);
  const sets = [{ fast: 10, slow: 40, stop_loss: 0.02, trailing_stop: 0.03 }, { fast: 5, slow: 30, stop_loss: 0.08, trailing_stop: 0.06 }];
  const plain = runBacktestTrials(evaluator, sets);
  const rule = pruningRule(spec.pruning!, spec.objective);
  const reports = Array.from({ length: rule.checkpoints }, () => ({ count: 0, from: 0, values: [] }));
  const staged = runStagedBacktests(evaluator, sets, { pruning: spec.pruning!, objective: spec.objective, reports });
  staged.forEach((s, i) => {
    assert.ok(!(s instanceof Error), String(s));
    assert.equal(s.stages.pruned, null, 'no reports yet: every trial runs every stage');
    assert.deepEqual(s.metrics, plain[i]);
  });
  const window = { start: 300, end: 600 };
  const { metrics } = runWindow(evaluator, sets[0], window);
  const direct = runBacktest(loadBars(evaluator.dataPath), 'sma_crossover', { fast: 10, slow: 40 }, { cash: 10_000, commission: 0, stopLoss: 0.02, trailingStop: 0.03, window }).metrics;
  assert.equal(metrics.sharpe, Number.isFinite(direct.sharpe) ? direct.sharpe : null);
});

test('the cache key tells broker settings apart, and a spec without them keeps the key it had', () => {
  const { spec } = load('  commission: 0.001', 'cache: { enabled: true }');
  const evaluator = backtestOf(spec);
  const params = { fast: 10, slow: 40 };
  assert.equal(backtestIdentity(evaluator, params).broker, undefined);
  const keys = new Set([evaluator, { ...evaluator, spread: 0.001 }, { ...evaluator, stopLoss: 0.05 }, { ...evaluator, stopLoss: { param: 'stop_loss' } }].map((e) => trialCacheKey(e, params)));
  assert.equal(keys.size, 4);
});

test('bad broker settings name the key, what it takes and the value', () => {
  rejects('  stop_loss: 1.5', '`backtest.stop_loss`', 'fraction in (0, 1)', 'got 1.5');
  rejects('  stop_loss: { low: 0.01, high: 1.2 }', '`backtest.stop_loss`', 'got high=1.2');
  rejects('  take_profit: [0.1, "x"]', '`backtest.take_profit`', 'the choice "x"');
  rejects('  spread: 0.5', '`backtest.spread`', '[0, 0.1)');
  rejects('  commission: { relative: 0.2 }', '`backtest.commission.relative`');
  rejects('  commission: {}', '`backtest.commission`', 'relative');
  rejects('  slippage: {}', '`backtest.slippage`', 'fixed');
  rejects('  slippage: { range: 1.5 }', '`backtest.slippage.range`');
  rejects('  size: { units: 2.5 }', '`backtest.size.units`', 'whole number');
  rejects('  size: { units: { low: 1.5, high: 4 } }', '`backtest.size.units`', 'int parameter');
  rejects('  size: 0', '`backtest.size`', '(0, 1]');
  rejects('  trailing_stop: "5%"', '`backtest.trailing_stop`', 'expected a number, or a parameter to tune');
  rejects('  stop_loss: { low: 0.01 }', '`backtest.stop_loss`');
});

test('a strategy parameter cannot share a tuned setting\'s name, and an external evaluator takes no broker settings', () => {
  const clash = makeCampaign(`strategy: sma_crossover
params:
  fast: { type: int, low: 5, high: 20 }
  stop_loss: { low: 0.01, high: 0.1 }
backtest:
  stop_loss: { low: 0.01, high: 0.1 }
search: { algorithm: random, trials: 4 }
`);
  assert.throws(() => loadSessionSpec(clash.config), /`params.stop_loss`: `backtest:` tunes a broker setting under this name/);
  const command = makeCampaign(`evaluator: { command: [node, -e, "0"] }
params:
  fast: { type: int, low: 5, high: 20 }
backtest:
  trailing_stop: 0.05
search: { algorithm: random, trials: 4 }
`);
  assert.throws(() => loadSessionSpec(command.config), /`backtest.trailing_stop` sets the built-in engine's broker; an external `evaluator`/);
});

test('tuneflow check and backtest refuse a bad broker setting with exit 2 and a message that names it, writing nothing', async () => {
  const { campaign } = load('  commission: 0.001');
  fs.writeFileSync(campaign.config, fs.readFileSync(campaign.config, 'utf8').replace('commission: 0.001', 'trailing_stop: { low: 0.02, high: 2 }'));
  const check = await tuneflow(['check', campaign.config]);
  assert.equal(check.code, 2);
  assert.match(check.stderr, /`backtest.trailing_stop`: expected a distance from each close as a fraction in \(0, 1\), got high=2\./);
  assert.equal(fs.existsSync(path.join(campaign.dir, 'outputs')), false);
  const flags = await tuneflow(['backtest', '--data', campaign.data, '--strategy', 'sma_crossover', '--trailing-stop', '0']);
  assert.equal(flags.code, 2);
  assert.match(flags.stderr, /--trailing-stop takes a distance from each close as a fraction in \(0, 1\), got 0\./);
});

test('tuneflow backtest applies every cost and exit flag as the engine options do', async () => {
  const { campaign } = load('  commission: 0.001');
  const flags = ['--commission', '0.001', '--commission-fixed', '1', '--spread', '0.0005', '--slippage', '0.01', '--slippage-range', '0.05',
    '--stop-loss', '0.05', '--take-profit', '0.1', '--trailing-stop', '0.04', '--units', '10'];
  const run = await tuneflow(['backtest', '--data', campaign.data, '--strategy', 'sma_crossover', '--param', 'fast=10', '--param', 'slow=40', ...flags, '--json']);
  assert.equal(run.code, 0, run.stderr);
  const printed = JSON.parse(run.stdout);
  const direct = runBacktest(loadBars(campaign.data), 'sma_crossover', { fast: 10, slow: 40 }, {
    cash: 10_000, commission: 0.001, commissionFixed: 1, spread: 0.0005, slippage: { fixed: 0.01, range: 0.05 }, stopLoss: 0.05, takeProfit: 0.1, trailingStop: 0.04, sizeUnits: 10,
  }).metrics;
  assert.equal(printed.equity_final, direct.equity_final);
  assert.equal(printed.trades, direct.trades);
});
