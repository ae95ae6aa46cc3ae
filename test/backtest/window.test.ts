import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  Target, computeStats, generateBars, getStrategy, runBacktest, runMany, sliceBars,
  type BacktestOptions, type Bars, type Params, type Trade, type TradeColumns,
} from '../../backtest';
import { computeCalendar, windowCalendar } from '../../backtest/calendar';
import { scripted } from './helpers';

const bars = generateBars({ seed: 11, bars: 1500, interval: '1d', weekends: false, start: '2012-01-02', mu: 0.08, sigma: 0.3, startPrice: 100 });
const sma = getStrategy('sma_crossover');
const options: BacktestOptions = { cash: 10_000, commission: 0.002 };
const paramSets: Params[] = [{ fast: 5, slow: 20 }, { fast: 10, slow: 30 }, { fast: 50, slow: 200 }];

/** The window's trades as `computeStats` reads them, bars counted from the window's first bar. */
function windowColumns(trades: Trade[], start: number): TradeColumns {
  return {
    count: trades.length,
    entryBar: Int32Array.from(trades, (t) => t.entryBar - start),
    exitBar: Int32Array.from(trades, (t) => t.exitBar - start),
    pnl: Float64Array.from(trades, (t) => t.pnl),
    // The broker's own arithmetic, so that the fraction is bit-identical to the one it logged.
    returnFrac: Float64Array.from(trades, (t) => {
      const units = Math.abs(t.size);
      return Math.sign(t.size) * (t.exitPrice / t.entryPrice - 1) - t.commission / (units * t.entryPrice);
    }),
    commission: Float64Array.from(trades, (t) => t.commission),
    entryTime: Float64Array.from(trades, (t) => t.entryTime),
    exitTime: Float64Array.from(trades, (t) => t.exitTime),
  };
}

function throwsNamed(fn: () => unknown, name: string, message?: RegExp): void {
  assert.throws(fn, (e: Error) => e.name === name && (!message || message.test(e.message)));
}

test('a window over the whole series is exactly the backtest of the whole series', () => {
  const variants: BacktestOptions[] = [options, { ...options, stopLoss: 0.04, takeProfit: 0.1 }, { ...options, sizeFraction: 0.5 }];
  for (const o of variants) {
    for (const params of paramSets) {
      const full = runBacktest(bars, sma, params, o);
      const windowed = runBacktest(bars, sma, params, { ...o, window: { start: 0, end: bars.length } });
      assert.ok(full.trades.length > 0);
      assert.deepEqual(windowed.metrics, full.metrics);
      assert.deepEqual(windowed.trades, full.trades);
      assert.deepEqual(windowed.equity, full.equity);
    }
    assert.deepEqual(runMany(bars, sma, paramSets, { ...o, window: { start: 0, end: bars.length } }), runMany(bars, sma, paramSets, o));
  }
});

test('nothing trades before the window or after it: entries from bar start + 1, exits by bar end - 1', () => {
  const windows = [[300, 420], [250, 256], [900, 1500], [20, 140], [1000, 1001]];
  for (const [start, end] of windows) {
    for (const params of paramSets.slice(0, 2)) {
      for (const lastBarEntries of [true, false]) {
        const { trades, equity } = runBacktest(bars, sma, params, { ...options, lastBarEntries, window: { start, end } });
        assert.equal(equity.length, end - start);
        assert.equal(equity[0], options.cash);
        // backtesting.py's last bar may open a trade and close it at once; without it every trade lasts a bar at least.
        const lastEntry = lastBarEntries ? end - 1 : end - 2;
        for (const t of trades) {
          assert.ok(t.entryBar >= start + 1 && t.entryBar <= lastEntry, `entry ${t.entryBar} in [${start}, ${end})`);
          assert.ok(t.exitBar >= t.entryBar && t.exitBar <= end - 1 && (t.exitBar > t.entryBar || t.exitBar === end - 1), `exit ${t.exitBar} in [${start}, ${end})`);
          assert.equal(t.entryTime, bars.time[t.entryBar]);
        }
      }
    }
  }

  // Scripted: a target before the window is ignored, one on its first bar fills at the next open, and the
  // trade still open on the window's last bar closes at that bar's open, as at the end of a series.
  const start = 400, end = 460;
  const early = runBacktest(bars, scripted({ [start - 1]: Target.Long }), {}, { ...options, window: { start, end } });
  assert.equal(early.trades.length, 0);
  assert.ok(early.equity.every((e) => e === options.cash));
  const targets = scripted({ [start - 1]: Target.Short, [start]: Target.Long, [end - 2]: Target.Short });
  const held = runBacktest(bars, targets, {}, { ...options, lastBarEntries: false, window: { start, end } });
  assert.equal(held.trades.length, 1, 'nothing opens on the last bar');
  const [t] = held.trades;
  assert.deepEqual([t.entryBar, t.entryPrice, t.exitBar, t.exitPrice], [start + 1, bars.open[start + 1], end - 1, bars.open[end - 1]]);
  assert.ok(t.size > 0);
  assert.ok(Math.abs(held.equity[held.equity.length - 1] - (options.cash + t.pnl)) < 1e-9);

  // backtesting.py's last bar: the short from bar end - 2 opens at the last open and closes there at once.
  const parity = runBacktest(bars, targets, {}, { ...options, window: { start, end } });
  assert.equal(parity.trades.length, 2);
  assert.deepEqual(parity.trades[0], t);
  const short = parity.trades[1];
  assert.deepEqual([short.entryBar, short.exitBar, short.entryPrice, short.exitPrice], [end - 1, end - 1, bars.open[end - 1], bars.open[end - 1]]);
  assert.ok(short.size < 0 && short.pnl === -short.commission && short.commission > 0);
  assert.ok(Math.abs(parity.equity[parity.equity.length - 1] - (held.equity[held.equity.length - 1] + short.pnl)) < 1e-9);
});

test('warm-up: a 200-bar SMA crossover trades on a 100-bar window, which alone could not compute it', () => {
  const params = { fast: 50, slow: 200 };
  const full = runBacktest(bars, sma, params, options);
  // A window around a crossover the whole-series run traded on.
  const cross = full.trades.find((t) => t.entryBar > 400)!.entryBar - 1;
  const start = cross - 40, end = start + 100;

  const windowed = runBacktest(bars, sma, params, { ...options, window: { start, end } });
  assert.ok(windowed.metrics.trades > 0);
  assert.equal(windowed.trades[0].entryBar, cross + 1);
  assert.equal(windowed.trades[0].entryPrice, bars.open[cross + 1]);
  assert.equal(windowed.trades[0].exitBar, end - 1);

  throwsNamed(() => runBacktest(sliceBars(bars, start, end), sma, params, options), 'InvalidParametersError', /200 bars/);
});

test('metrics are computeStats of the window\'s own bars, equity and trades', () => {
  // Windows that start long after, exactly at and before the 200-bar SMA is warm (lookback 199).
  const windows = [[700, 950], [199, 400], [120, 420], [0, 260]];
  for (const [start, end] of windows) {
    for (const params of paramSets) {
      for (const o of [options, { ...options, stopLoss: 0.03 }]) {
        const r = runBacktest(bars, sma, params, { ...o, window: { start, end } });
        const warm = Math.max(start, sma.lookback(params));
        const measured = sliceBars(bars, start, end);
        assert.deepEqual(r.metrics, computeStats(windowColumns(r.trades, start), r.equity, measured, warm - start));
        assert.equal(r.metrics.buy_hold_return_pct, ((bars.close[end - 1] - bars.close[warm]) / bars.close[warm]) * 100);
        for (const t of r.trades) assert.ok(t.entryBar >= Math.max(start, sma.lookback(params) + 1) + 1);
      }
    }
    const batch = runMany(bars, sma, paramSets, { ...options, window: { start, end } });
    assert.deepEqual(batch, paramSets.map((p) => runBacktest(bars, sma, p, { ...options, window: { start, end } }).metrics));
  }
});

test('a short window is annualised as its series is, not as its few bars look', () => {
  const crypto = generateBars({ seed: 3, bars: 400, interval: '1d', weekends: true, start: '2021-01-04', mu: 0.1, sigma: 0.6, startPrice: 50 });
  // Monday 2021-03-01 to Friday 2021-03-05: five weekday bars of 24/7 data.
  const start = 56, end = 61;
  const measured = sliceBars(crypto, start, end);
  assert.equal(computeCalendar(measured).annualDays, 252);
  const calendar = windowCalendar(computeCalendar(crypto), crypto, start, end);
  assert.equal(calendar.annualDays, 365);
  assert.deepEqual(calendar.binLast, computeCalendar(measured).binLast);
  assert.equal(calendar.years, computeCalendar(measured).years);

  const strategy = scripted({ [start]: Target.Long });
  const r = runBacktest(crypto, strategy, {}, { ...options, window: { start, end } });
  assert.equal(r.trades.length, 1);
  assert.deepEqual(r.metrics, computeStats(windowColumns(r.trades, start), r.equity, measured, 0, calendar));
});

test('adjacent windows share no bar of equity and no trade', () => {
  const cuts = [300, 420, 540, 660, 780];
  for (const params of paramSets.slice(0, 2)) {
    const runs = cuts.slice(1).map((end, k) => ({ start: cuts[k], end, r: runBacktest(bars, sma, params, { ...options, window: { start: cuts[k], end } }) }));
    let previousExit = -1;
    for (const { start, end, r } of runs) {
      assert.equal(r.equity.length, end - start);
      assert.ok(r.trades.length > 0);
      const firstEntry = Math.min(...r.trades.map((t) => t.entryBar));
      assert.ok(firstEntry > previousExit, `trade entering at ${firstEntry} overlaps the previous window`);
      previousExit = Math.max(...r.trades.map((t) => t.exitBar));
      assert.ok(previousExit < end);
    }
  }
});

test('bad windows: outside the bars or empty is an input error, too little warm-up an invalid parameter set', () => {
  const n = bars.length;
  const bad = [[-1, 100], [0, n + 1], [100, 100], [200, 100], [1.5, 100], [0, NaN]];
  for (const [start, end] of bad) {
    throwsNamed(() => runBacktest(bars, sma, {}, { ...options, window: { start, end } }), 'InputError', /window/);
    throwsNamed(() => runMany(bars, sma, [{}], { ...options, window: { start, end } }), 'InputError', /window/);
  }
  const slow200 = { fast: 50, slow: 200 };
  throwsNamed(() => runBacktest(bars, sma, slow200, { ...options, window: { start: 0, end: 150 } }), 'InvalidParametersError', /200 bars before their first signal and one more to trade/);
  throwsNamed(() => runBacktest(bars, sma, slow200, { ...options, window: { start: 100, end: 200 } }), 'InvalidParametersError', /one more to trade/);
  throwsNamed(() => runMany(bars, sma, [{}, slow200], { ...options, window: { start: 50, end: 200 } }), 'InvalidParametersError', /one more to trade/);
  // The shortest window these parameters accept: warm at bar 199, one bar whose target counts.
  const edge = runBacktest(bars, sma, slow200, { ...options, window: { start: 100, end: 201 } });
  assert.equal(edge.equity.length, 101);
  assert.equal(edge.metrics.trades, 0);
});

test('indicators never read past the window: changing later bars changes nothing inside it', () => {
  const altered: Bars = { ...bars, close: bars.close.slice(), open: bars.open.slice() };
  for (let i = 800; i < bars.length; i++) {
    altered.close[i] *= 1.5;
    altered.open[i] *= 0.7;
  }
  for (const params of paramSets) {
    const window = { start: 500, end: 800 };
    assert.deepEqual(runBacktest(altered, sma, params, { ...options, window }), runBacktest(bars, sma, params, { ...options, window }));
  }
});
