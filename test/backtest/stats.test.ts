import assert from 'node:assert/strict';
import { test } from 'node:test';
import { computeMetric, computeStats, generateBars, runBacktest, type MetricName } from '../../backtest';
import { computeCalendar } from '../../backtest/calendar';
import { pairwiseSum } from '../../backtest/numeric';
import { TradeLog } from '../../backtest/tradeLog';
import { barsOf, scripted } from './helpers';

const close = (a: number, b: number) => Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(b));

test('drawdowns from a literal equity curve: depth, average of episode peaks, longest episode in days', () => {
  const equity = Float64Array.from([100, 110, 99, 110, 121, 100, 90, 121]);
  const bars = barsOf(Array.from(equity, (e) => [e, e, e, e] as [number, number, number, number]));
  const m = computeStats(new TradeLog(), equity, bars, 0);
  const deepest = 1 - 90 / 121;
  assert.ok(close(m.max_drawdown_pct, -deepest * 100));
  assert.ok(close(m.avg_drawdown_pct, -((1 - 99 / 110 + deepest) / 2) * 100));
  assert.equal(m.max_drawdown_duration, 3);
  assert.equal(m.equity_peak, 121);
  assert.ok(close(m.return_pct, 21));
});

test('statistics without trades are NaN where undefined, zero where not', () => {
  const bars = generateBars({ seed: 4, bars: 300, interval: '1d', weekends: false, start: '2020-01-01', mu: 0, sigma: 0.2, startPrice: 10 });
  const { metrics: m } = runBacktest(bars, scripted({}), {}, { cash: 1000, commission: 0 });
  assert.equal(m.trades, 0);
  assert.equal(m.return_pct, 0);
  assert.equal(m.exposure_pct, 0);
  assert.equal(m.volatility_ann_pct, 0);
  assert.ok(m.max_drawdown_pct === 0);
  for (const key of ['win_rate_pct', 'best_trade_pct', 'worst_trade_pct', 'avg_trade_pct', 'profit_factor', 'expectancy_pct',
    'sqn', 'kelly', 'sharpe', 'sortino', 'calmar', 'avg_drawdown_pct', 'max_drawdown_duration'] as const) {
    assert.ok(Number.isNaN(m[key]), `${key} = ${m[key]}`);
  }
});

test('annualisation follows the data: 252 days for weekday bars, 365 when weekends trade, 52 for weekly bars', () => {
  const make = (interval: '1d' | '1h', weekends: boolean) =>
    generateBars({ seed: 1, bars: 400, interval, weekends, start: '2021-01-04', mu: 0, sigma: 0.2, startPrice: 10 });
  assert.equal(computeCalendar(make('1d', false)).annualDays, 252);
  assert.equal(computeCalendar(make('1d', true)).annualDays, 365);
  const hourly = computeCalendar(make('1h', true));
  assert.deepEqual([hourly.annualDays, hourly.binLast.length, hourly.resolutionMs], [365, 17, 3_600_000]);
  const weekly = barsOf(Array.from({ length: 60 }, () => [1, 1, 1, 1]));
  weekly.time.forEach((_, i) => (weekly.time[i] = Date.UTC(2020, 0, 6) + i * 7 * 86_400_000));
  assert.equal(computeCalendar(weekly).annualDays, 52);
});

test('returns compound a geometric mean daily return over the trading year', () => {
  const equity = Float64Array.from({ length: 30 }, (_, i) => 100 * 1.01 ** i);
  const bars = barsOf(Array.from({ length: 30 }, () => [1, 1, 1, 1]));
  bars.time.forEach((_, i) => (bars.time[i] = Date.UTC(2021, 0, 4) + (Math.floor(i / 5) * 7 + (i % 5)) * 86_400_000));
  const m = computeStats(new TradeLog(), equity, bars, 0);
  assert.ok(Math.abs(m.return_ann_pct - (1.01 ** 252 - 1) * 100) < 1e-6);
  // backtesting.py's compounded volatility cancels to a rounding residue here, NaN when negative.
  assert.ok(!(Math.abs(m.volatility_ann_pct) > 0.01));
  assert.ok(m.sortino === Infinity, 'no losing days');
});

test('one statistic alone, from only the passes it reads, is the value of all of them computed together', () => {
  // Daily bars share the bars' logarithms with the period returns; hourly ones take beta in a pass of its own.
  const daily = generateBars({ seed: 9, bars: 900, interval: '1d', weekends: false, start: '2016-01-04', mu: 0.05, sigma: 0.3, startPrice: 50 });
  const hourly = generateBars({ seed: 10, bars: 3_000, interval: '1h', weekends: true, start: '2016-01-04', mu: 0.05, sigma: 0.6, startPrice: 50 });
  for (const [bars, params, options] of [
    [daily, { fast: 5, slow: 20 }, {}], [daily, { fast: 30, slow: 120 }, {}],
    [hourly, { fast: 5, slow: 20 }, {}], [hourly, { fast: 30, slow: 120 }, { stopLoss: 0.02, takeProfit: 0.03 }],
  ] as const) {
    const calendar = computeCalendar(bars);
    const { metrics, trades, equity } = runBacktest(bars, 'sma_crossover', params, { cash: 10_000, commission: 0.001, ...options });
    const log = new TradeLog();
    for (const t of trades) log.push(t.size, t.entryBar, t.exitBar, t.entryPrice, t.exitPrice, t.sl, t.tp, t.pnl, t.returnPct / 100, t.commission);
    log.stampTimes(bars.time, 0);
    const warmup = params.slow - 1;
    const all = computeStats(log, equity, bars, warmup, calendar);
    assert.equal(all.sharpe, metrics.sharpe);
    for (const name of Object.keys(all) as MetricName[]) assert.equal(computeMetric(name, log, equity, bars, warmup, calendar), all[name], name);
  }
});

/** backtesting.py's drawdowns bar by bar: each bar's drawdown from the running peak, episodes between bars at a peak. */
function drawdownsByBar(equity: Float64Array, time: Float64Array): { ddMax: number; depthAtEnd: Float64Array; episodes: number; longestMs: number } {
  let peak = -Infinity, ddMax = 0, runMax = 0, prev = -1, longestMs = NaN, episodes = 0;
  const depthAtEnd = new Float64Array(equity.length);
  for (let i = 0; i < equity.length; i++) {
    if (equity[i] > peak) peak = equity[i];
    const d = 1 - equity[i] / peak;
    if (d > ddMax) ddMax = d;
    if (d > runMax) runMax = d;
    if (d !== 0 && i !== equity.length - 1) continue;
    if (prev >= 0 && i > prev + 1) {
      depthAtEnd[i] = runMax;
      episodes++;
      if (!(time[i] - time[prev] <= longestMs)) longestMs = time[i] - time[prev];
    }
    prev = i;
    runMax = 0;
  }
  return { ddMax, depthAtEnd, episodes, longestMs };
}

test('drawdowns found one division per episode equal the bar-by-bar definition, ties, flat stretches and ruin included', () => {
  for (let seed = 0; seed < 60; seed++) {
    const bars = generateBars({ seed, bars: 50 + seed * 37, interval: '1d', weekends: true, start: '2020-01-01', mu: 0, sigma: 0.4, startPrice: 10 });
    // Equity that repeats its peak, stays flat, recovers to the cent, or ends at zero.
    const equity = Float64Array.from(bars.close, (c, i) => (seed % 5 === 0 && i > bars.length * 0.8 ? 0 : Math.round(c * 100) * (i % 7 < 2 ? 1 : 1.0001)));
    if (seed % 3 === 0) equity.fill(equity[0], 0, 10);
    const m = computeStats(new TradeLog(), equity, bars, 0);
    const want = drawdownsByBar(equity, bars.time);
    assert.ok(want.episodes > 0, `seed ${seed}`);
    assert.equal(m.max_drawdown_pct, -want.ddMax * 100, `seed ${seed}`);
    assert.equal(m.avg_drawdown_pct, -(pairwiseSum(want.depthAtEnd, 0, equity.length) / want.episodes) * 100, `seed ${seed}`);
    assert.equal(m.max_drawdown_duration, Math.ceil(want.longestMs / 86_400_000), `seed ${seed}`);
  }
});

test('daily period returns taken from the bar pass equal those resampled, also for moves beyond +100 % or -50 % in a day', () => {
  const ratios = [1, 2, 1, 0.5, 1.0001, 3, 0.25, 1, 0.4999999, 2.0000001, 1, 1, 0.9];
  const equity = new Float64Array(ratios.length * 3);
  let e = 1000;
  for (let i = 0; i < equity.length; i++) equity[i] = e *= ratios[i % ratios.length];
  const bars = barsOf(Array.from(equity, (x) => [x, x, x, x] as [number, number, number, number]));
  for (const length of [equity.length, 5, 3]) {
    const part = equity.subarray(0, length), partBars = { ...bars, length, time: bars.time.subarray(0, length), close: bars.close.subarray(0, length) };
    const all = computeStats(new TradeLog(), part, partBars, 0);
    for (const name of ['return_ann_pct', 'volatility_ann_pct', 'sharpe', 'sortino', 'calmar', 'beta', 'alpha_pct'] as const) {
      assert.equal(computeMetric(name, new TradeLog(), part, partBars, 0), all[name], `${name} over ${length} bars`);
    }
  }
});

test("intraday beta, taken in one pass, is numpy's two-pass covariance of log returns to rounding: flat stretches and ±3 % moves included", () => {
  // An hourly σ of about 0.5 % and of about 3 %: the second sends many bars past logRatio's series to Math.log.
  for (const sigma of [0.5, 3]) {
    const bars = generateBars({ seed: 21, bars: 6_000, interval: '1h', weekends: true, start: '2020-01-01', mu: 0.1, sigma, startPrice: 100 });
    for (const params of [{ fast: 5, slow: 20 }, { fast: 12, slow: 90 }]) {
      const { metrics, equity } = runBacktest(bars, 'sma_crossover', params, { cash: 10_000, commission: 0.002, stopLoss: 0.02, takeProfit: 0.02 });
      const m = bars.length - 1;
      const x = Float64Array.from({ length: m }, (_, i) => Math.log(equity[i + 1] / equity[i]));
      const y = Float64Array.from({ length: m }, (_, i) => Math.log(bars.close[i + 1] / bars.close[i]));
      const meanX = x.reduce((a, v) => a + v, 0) / m, meanY = y.reduce((a, v) => a + v, 0) / m;
      let cross = 0, squares = 0;
      for (let i = 0; i < m; i++) {
        cross += (x[i] - meanX) * (y[i] - meanY);
        squares += (y[i] - meanY) ** 2;
      }
      const flat = x.filter((v) => v === 0).length;
      assert.ok(flat > m / 10, `flat stretches are part of the case (${flat} of ${m} bars)`);
      const expected = cross / squares;
      assert.ok(Math.abs(metrics.beta - expected) <= 1e-12 * Math.abs(expected), `σ ${sigma}, ${JSON.stringify(params)}: beta ${metrics.beta}, two-pass ${expected}`);
    }
  }
});
