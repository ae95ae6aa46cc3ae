import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generateBars, runBacktest, runManySettled, Target, type BacktestOptions } from '../../backtest';
import { assertInputError, barsOf, scripted } from './helpers';

// A long signal on bar 1 fills at bar 2's open (102); a flat signal on bar 3 closes it at bar 4's open (105).
const bars = barsOf([
  [100, 101, 99, 100],
  [100, 102, 98, 101],
  [102, 104, 101, 103],
  [103, 106, 102, 105],
  [105, 105, 95, 96],
  [96, 97, 94, 95],
]);
const longThenFlat = scripted({ 1: Target.Long, 3: Target.Flat });
const ALL_IN = 1 - Number.EPSILON;
const only = (options: Partial<BacktestOptions>, strategy = longThenFlat) => {
  const { trades, metrics } = runBacktest(bars, strategy, {}, { cash: 10_000, commission: 0, ...options });
  assert.equal(trades.length, 1);
  return { trade: trades[0], metrics };
};

test('spread: a long enters the spread above the open and exits at the market price', () => {
  const { trade } = only({ spread: 0.01 });
  const entry = 102 * (1 + 0.01);
  assert.equal(trade.entryPrice, entry);
  assert.equal(trade.size, Math.floor((10_000 * ALL_IN) / entry));
  assert.equal(trade.exitPrice, 105);
  assert.equal(trade.pnl, trade.size * (105 - entry));
});

test('spread: a short enters the spread below the open', () => {
  const { trade } = only({ spread: 0.01 }, scripted({ 1: Target.Short, 3: Target.Flat }));
  assert.equal(trade.entryPrice, 102 * (1 - 0.01));
  assert.ok(trade.size < 0);
});

test('a fixed commission is charged on both fills and counts per unit when sizing, as backtesting.py does', () => {
  const { trade, metrics } = only({ commissionFixed: 5 });
  assert.equal(trade.size, Math.floor((10_000 * ALL_IN) / (102 + 5 / ALL_IN)));
  assert.equal(trade.commission, 10);
  assert.equal(trade.pnl, trade.size * 3 - 10);
  assert.equal(metrics.equity_final, 10_000 + trade.pnl);
});

test('fixed and relative commission add up on each fill', () => {
  const { trade } = only({ commission: 0.001, commissionFixed: 2 });
  assert.equal(trade.commission, 2 + trade.size * 105 * 0.001 + (2 + trade.size * 102 * 0.001));
});

test('whole units per entry, and an entry that cash cannot pay for is skipped', () => {
  assert.equal(only({ sizeUnits: 10 }).trade.size, 10);
  const poor = runBacktest(bars, longThenFlat, {}, { cash: 500, commission: 0, sizeUnits: 10 });
  assert.equal(poor.trades.length, 0);
  assert.equal(poor.metrics.equity_final, 500);
});

test('slippage moves market fills against the trader, by an amount and by a share of the bar range, within the bar', () => {
  const fixed = only({ slippage: { fixed: 0.5 } }).trade;
  assert.deepEqual([fixed.entryPrice, fixed.exitPrice], [102.5, 104.5]);
  const range = only({ slippage: { range: 0.5 } }).trade;
  // Bar 2 spans 101..104 and bar 4 spans 95..105.
  assert.deepEqual([range.entryPrice, range.exitPrice], [102 + 0.5 * 3, 105 - 0.5 * 10]);
  const capped = only({ slippage: { fixed: 10 } }).trade;
  assert.deepEqual([capped.entryPrice, capped.exitPrice], [104, 95], 'never beyond the bar high or low');
});

test('a trailing stop follows each close and fills where the bar reaches it', () => {
  const held = scripted({ 1: Target.Long });
  const { trade } = only({ trailingStop: 0.02 }, held);
  // From 101 · 0.98 after the signal, raised at the closes of bars 2 (103) and 3 (105); bar 4's low 95 reaches it.
  const stop = 105 * (1 - 0.02);
  assert.deepEqual([trade.entryBar, trade.exitBar, trade.exitPrice, trade.sl], [2, 4, stop, stop]);
  const slipped = only({ trailingStop: 0.02, slippage: { fixed: 0.5 } }, held).trade;
  assert.equal(slipped.exitPrice, stop - 0.5, 'a stop fill slips');
});

test('a trailing stop starts at the nearer of itself and the stop-loss', () => {
  const held = scripted({ 1: Target.Long });
  // A 10 % trailing stop alone would wait for bar 5; a 1 % stop-loss from 101 (99.99) is hit on bar 4 first.
  const { trade } = only({ trailingStop: 0.1, stopLoss: 0.01 }, held);
  assert.equal(trade.exitBar, 4);
  assert.equal(trade.exitPrice, 105 * (1 - 0.1) > 101 * (1 - 0.01) ? 105 * (1 - 0.1) : 101 * (1 - 0.01));
});

test('a short trailing stop moves down with the closes', () => {
  const falling = barsOf([
    [100, 101, 99, 100],
    [100, 101, 98, 99],
    [98, 99, 96, 97],
    [97, 97, 93, 94],
    [94, 99, 93, 98],
  ]);
  const { trades } = runBacktest(falling, scripted({ 1: Target.Short }), {}, { cash: 10_000, commission: 0, trailingStop: 0.03 });
  assert.equal(trades.length, 1);
  assert.deepEqual([trades[0].exitBar, trades[0].exitPrice], [4, 94 * (1 + 0.03)]);
});

test('take-profit fills are limit fills and do not slip', () => {
  const { trade } = only({ takeProfit: 0.03, slippage: { fixed: 0.5 } }, scripted({ 1: Target.Long }));
  assert.deepEqual([trade.exitBar, trade.exitPrice], [3, 101 * (1 + 0.03)]);
});

test('with every cost and exit switched on, each fill lies within its bar and equity adds up to the trades', () => {
  const series = generateBars({ seed: 5, bars: 800, interval: '1d', weekends: false, start: '2019-01-01', mu: 0.1, sigma: 0.3, startPrice: 50 });
  const spread = 0.001;
  const options: BacktestOptions = {
    cash: 10_000, commission: 0.001, commissionFixed: 1, spread, slippage: { fixed: 0.01, range: 0.1 }, stopLoss: 0.05, takeProfit: 0.1, trailingStop: 0.04,
    lastBarEntries: false,
  };
  const { trades, metrics } = runBacktest(series, 'sma_crossover', { fast: 5, slow: 20 }, options);
  assert.ok(trades.length > 20);
  const within = (price: number, bar: number) => price >= series.low[bar] && price <= series.high[bar];
  for (const t of trades) {
    assert.ok(within(t.entryPrice / (1 + Math.sign(t.size) * spread), t.entryBar), `entry of ${JSON.stringify(t)}`);
    assert.ok(within(t.exitPrice, t.exitBar), `exit of ${JSON.stringify(t)}`);
  }
  const total = trades.reduce((sum, t) => sum + t.pnl, 10_000);
  assert.ok(Math.abs(metrics.equity_final - total) < 1e-9 * total);
  assert.equal(metrics.commissions, trades.reduce((sum, t) => sum + t.commission, 0));
});

test('runManySettled takes one options object per parameter set, and bad settings fail their own set alone', () => {
  const series = generateBars({ seed: 6, bars: 400, interval: '1d', weekends: false, start: '2019-01-01', mu: 0.1, sigma: 0.3, startPrice: 50 });
  const sets = [{ fast: 5, slow: 20 }, { fast: 5, slow: 20 }, { fast: 5, slow: 20 }];
  const options: BacktestOptions[] = [{ cash: 10_000, commission: 0 }, { cash: 10_000, commission: 0, stopLoss: 0.02 }, { cash: 10_000, commission: 0, stopLoss: 2 }];
  const [plain, stopped, bad] = runManySettled(series, 'sma_crossover', sets, options);
  assert.deepEqual(plain, runBacktest(series, 'sma_crossover', sets[0], options[0]).metrics);
  assert.deepEqual(stopped, runBacktest(series, 'sma_crossover', sets[1], options[1]).metrics);
  assert.ok(bad instanceof Error && /stopLoss is a fraction in \(0, 1\), got 2/.test(bad.message));
  assertInputError(() => runManySettled(series, 'sma_crossover', sets, options.slice(1)), '2 options for 3 parameter sets');
});

test('bad broker options are InputErrors naming the option', () => {
  const run = (o: Partial<BacktestOptions>) => () => runBacktest(bars, longThenFlat, {}, { cash: 10_000, commission: 0, ...o });
  assertInputError(run({ spread: 0.2 }), 'spread is a fraction of the price in [0, 0.1), got 0.2');
  assertInputError(run({ commissionFixed: -1 }), 'commissionFixed');
  assertInputError(run({ sizeUnits: 2.5 }), 'sizeUnits is a whole number');
  assertInputError(run({ sizeUnits: 2, sizeFraction: 0.5 }), 'not both');
  assertInputError(run({ slippage: { range: 2 } }), 'slippage.range');
  assertInputError(run({ trailingStop: 1 }), 'trailingStop is a fraction in (0, 1)');
});
