import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generateBars, runBacktest, runMany, Target } from '../../backtest';
import { barsOf, scripted } from './helpers';

const random = generateBars({ seed: 31, bars: 600, interval: '1d', weekends: false, start: '2018-01-01', mu: 0.05, sigma: 0.4, startPrice: 20 });
const everyBar = (n: number, pick: (i: number) => number) => scripted(Object.fromEntries(Array.from({ length: n }, (_, i) => [i, pick(i)])));

test('zero-commission round trips at unchanged prices leave equity exactly unchanged', () => {
  const flat = barsOf(Array.from({ length: 50 }, () => [10, 10, 10, 10]));
  const { trades, equity, metrics } = runBacktest(flat, everyBar(50, (i) => (i % 2 ? Target.Long : Target.Short)), {}, { cash: 1000, commission: 0 });
  assert.ok(trades.length > 40);
  for (const t of trades) assert.ok(t.pnl === 0);
  assert.ok(equity.every((e) => e === 1000));
  assert.equal(metrics.return_pct, 0);
});

test('equity is conserved: final equity is cash plus the P&L of every trade, with and without commission', () => {
  for (const commission of [0, 0.002]) {
    const flips = everyBar(random.length, (i) => (i % 7 === 0 ? Target.Long : i % 11 === 0 ? Target.Short : i % 13 === 0 ? Target.Flat : Target.Hold));
    const { trades, metrics } = runBacktest(random, flips, {}, { cash: 10_000, commission });
    const total = trades.reduce((s, t) => s + t.pnl, 10_000);
    assert.ok(Math.abs(metrics.equity_final - total) < 1e-9 * total, `commission ${commission}`);
  }
});

test('lastBarEntries false: no trade opens on the last bar', () => {
  const n = random.length;
  const options = { cash: 10_000, commission: 0.001, lastBarEntries: false };
  const always = runBacktest(random, everyBar(n, () => Target.Long), {}, options);
  assert.ok(always.trades.length > 100);
  assert.ok(always.trades.every((t) => t.entryBar < n - 1));
  const late = runBacktest(random, scripted({ [n - 2]: Target.Long, [n - 1]: Target.Short }), {}, options);
  assert.equal(late.trades.length, 0);
  assert.equal(late.metrics.equity_final, 10_000);
});

test('the last bar as backtesting.py: a signal before it opens and closes at the last open, one on it stays open outside the trades', () => {
  const n = random.length, o = random.open[n - 1], c = random.close[n - 1];
  const late = runBacktest(random, scripted({ [n - 2]: Target.Long, [n - 1]: Target.Short }), {}, { cash: 10_000, commission: 0.001 });
  assert.equal(late.trades.length, 1);
  const [t] = late.trades;
  assert.deepEqual([t.size > 0, t.entryBar, t.exitBar, t.entryPrice, t.exitPrice], [true, n - 1, n - 1, o, o]);
  assert.equal(t.pnl, -t.commission);
  assert.equal(late.metrics.trades, 1);
  assert.equal(late.metrics.commissions, t.commission);
  // The short opened after that close pays its commission and is marked at the last close.
  const cash = 10_000 - t.commission;
  const units = Math.floor((cash * (1 - Number.EPSILON)) / (o + ((1 - Number.EPSILON) * o * 0.001) / (1 - Number.EPSILON)));
  assert.ok(Math.abs(late.metrics.equity_final - (cash - units * o * 0.001 + units * (o - c))) < 1e-6);
});

test('a one-bar series gives zero trades', () => {
  const one = barsOf([[10, 11, 9, 10.5]]);
  const { trades, metrics } = runBacktest(one, everyBar(1, () => Target.Long), {}, { cash: 1000, commission: 0 });
  assert.equal(trades.length, 0);
  assert.equal(metrics.trades, 0);
  assert.equal(metrics.equity_final, 1000);
});

test('a target fills at the next open with whole units, all in after commission', () => {
  const bars = barsOf([[10, 10, 10, 10], [10, 10, 10, 10], [12, 13, 11, 12], [12, 14, 12, 13], [13, 13, 13, 13]]);
  const { trades } = runBacktest(bars, scripted({ 1: Target.Long, 3: Target.Flat }), {}, { cash: 1000, commission: 0.01 });
  assert.equal(trades.length, 1);
  const t = trades[0];
  assert.deepEqual([t.size, t.entryBar, t.entryPrice, t.exitBar, t.exitPrice], [Math.floor(1000 / (12 * 1.01)), 2, 12, 4, 13]);
  assert.ok(Math.abs(t.commission - 82 * (12 + 13) * 0.01) < 1e-9);
});

test('a reversal closes the trade and opens the other side on the same open; shorts profit from falls', () => {
  const bars = barsOf([[10, 10, 10, 10], [10, 10, 10, 10], [10, 10, 10, 10], [12, 12, 12, 12], [6, 6, 6, 6], [6, 6, 6, 6]]);
  // 105 rather than 100: the all-in size is a hair below 1 (as in backtesting.py), so 100 would buy 9 units.
  const { trades } = runBacktest(bars, scripted({ 1: Target.Long, 2: Target.Short }), {}, { cash: 105, commission: 0 });
  assert.deepEqual(trades.map((t) => [t.size, t.entryBar, t.exitBar, t.entryPrice, t.exitPrice]), [[10, 2, 3, 10, 12], [-10, 3, 5, 12, 6]]);
  assert.equal(trades[1].pnl, 60);
});

test('stop-loss fills at the stop, or at the open when the bar gaps through it; take-profit likewise', () => {
  const rows: [number, number, number, number][] = [[100, 100, 100, 100], [100, 100, 100, 100], [100, 101, 99, 100], [99, 100, 94, 96], [96, 96, 96, 96]];
  const sl = runBacktest(barsOf(rows), scripted({ 1: Target.Long }), {}, { cash: 1000, commission: 0, stopLoss: 0.05 });
  assert.deepEqual([sl.trades[0].exitBar, sl.trades[0].exitPrice, sl.trades[0].sl], [3, 95, 95]);
  assert.ok(Number.isNaN(sl.trades[0].tp));
  rows[3] = [90, 92, 88, 91];
  const gap = runBacktest(barsOf(rows), scripted({ 1: Target.Long }), {}, { cash: 1000, commission: 0, stopLoss: 0.05 });
  assert.deepEqual([gap.trades[0].exitBar, gap.trades[0].exitPrice], [3, 90]);
  rows[3] = [104, 112, 103, 111];
  const tp = runBacktest(barsOf(rows), scripted({ 1: Target.Long }), {}, { cash: 1000, commission: 0, takeProfit: 0.1 });
  assert.deepEqual([tp.trades[0].exitBar, tp.trades[0].exitPrice], [3, 100 * (1 + 0.1)]);
});

test('sizeFraction commits that share of cash', () => {
  const bars = barsOf([[10, 10, 10, 10], [10, 10, 10, 10], [10, 10, 10, 10], [10, 10, 10, 10]]);
  const { trades } = runBacktest(bars, scripted({ 1: Target.Long }), {}, { cash: 1000, commission: 0, sizeFraction: 0.25 });
  assert.equal(trades[0].size, 25);
});

test('running out of money closes the trade at the close and ends trading at zero equity', () => {
  const bars = barsOf([[10, 10, 10, 10], [10, 10, 10, 10], [10, 10, 10, 10], [15, 25, 15, 25], [30, 30, 30, 30], [5, 5, 5, 5]]);
  const { trades, equity } = runBacktest(bars, scripted({ 1: Target.Short, 4: Target.Long }), {}, { cash: 100, commission: 0 });
  assert.deepEqual(trades.map((t) => [t.entryBar, t.exitBar, t.exitPrice]), [[2, 3, 25]]);
  assert.deepEqual([...equity], [100, 100, 100, 0, 0, 0]);
});

test('runMany gives the same metrics as one runBacktest per parameter set', () => {
  const grid = [{ fast: 5, slow: 20 }, { fast: 10, slow: 30 }, { fast: 5, slow: 30 }];
  const options = { cash: 10_000, commission: 0.002 };
  assert.deepEqual(runMany(random, 'sma_crossover', grid, options), grid.map((p) => runBacktest(random, 'sma_crossover', p, options).metrics));
});
