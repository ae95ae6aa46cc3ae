import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generateBars, runBacktest, runMany, Target } from '../../backtest';
import { simulate, type BrokerSettings } from '../../backtest/simulator';
import { TradeLog } from '../../backtest/tradeLog';
import { barsOf, scripted } from './helpers';

const random = generateBars({ seed: 31, bars: 600, interval: '1d', weekends: false, start: '2018-01-01', mu: 0.05, sigma: 0.4, startPrice: 20 });
const brokerDefaults: BrokerSettings = {
  cash: 10_000, commission: 0, commissionFixed: 0, spread: 0, slippageFixed: 0, slippageRange: 0, sizeFraction: 1 - Number.EPSILON,
  sizeUnits: 0, stopLoss: NaN, takeProfit: NaN, trailingStop: NaN, lastBarEntries: true,
};
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

test('on a long series every stop is taken on the first bar that reaches it: bars checked by blocks miss none and stop none early', () => {
  const bars = generateBars({ seed: 41, bars: 20_000, interval: '1h', weekends: true, start: '2021-01-01', mu: 0.05, sigma: 0.6, startPrice: 50 });
  let stopped = 0;
  for (const [stopLoss, takeProfit] of [[0.01, 0.02], [0.03, 0.08], [0.08, 0.2]]) {
    const { trades } = runBacktest(bars, 'sma_crossover', { fast: 8, slow: 40 }, { cash: 10_000, commission: 0.001, stopLoss, takeProfit });
    for (const t of trades) {
      const long = t.size > 0;
      const reaches = (j: number) => (long ? bars.low[j] <= t.sl || bars.high[j] >= t.tp : bars.high[j] >= t.sl || bars.low[j] <= t.tp);
      for (let j = t.entryBar; j < t.exitBar; j++) assert.ok(!reaches(j), `trade from bar ${t.entryBar} reaches a stop at bar ${j} but exits at ${t.exitBar}`);
      // A trade not closed by a target or at the end of the data was closed by its stop, on the bar that reached it.
      if (t.exitPrice !== bars.open[t.exitBar]) {
        assert.ok(reaches(t.exitBar), `trade from bar ${t.entryBar} exits at ${t.exitPrice} on bar ${t.exitBar} without reaching a stop`);
        stopped++;
      }
    }
  }
  assert.ok(stopped > 100, `stops were hit (${stopped})`);
});

test('targets in an array that does not start on a word boundary give the same run', () => {
  const aligned = new Int8Array(random.length);
  for (let i = 7; i < random.length; i += 37) aligned[i] = i % 2 ? Target.Long : Target.Short;
  const shifted = new Int8Array(random.length + 3).subarray(3);
  shifted.set(aligned);
  const settings = { ...brokerDefaults, cash: 1000, commission: 0.001 };
  const run = (targets: Int8Array) => {
    const equity = new Float64Array(random.length), log = new TradeLog();
    simulate(random, targets, 1, settings, equity, log);
    return { equity: [...equity], exits: [...log.exitBar.subarray(0, log.count)] };
  };
  const expected = run(aligned);
  assert.ok(expected.exits.length > 10);
  assert.deepEqual(run(shifted), expected);
});
