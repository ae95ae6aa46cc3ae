import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Indicators, sharedIndicators } from '../../backtest/indicatorCache';
import { ema, priorExtreme, rollingStd, rsi, sma } from '../../backtest/indicators';
import { generateBars } from '../../backtest';
import { pairwiseSum } from '../../backtest/numeric';

const values = Float64Array.from({ length: 300 }, (_, i) => 100 + 10 * Math.sin(i / 7) + (i % 5));

test('sma: NaN during warm-up, then the window mean', () => {
  const s = sma(values, 20);
  for (let i = 0; i < 19; i++) assert.ok(Number.isNaN(s[i]));
  for (let i = 19; i < values.length; i++) {
    let sum = 0;
    for (let j = i - 19; j <= i; j++) sum += values[j];
    assert.ok(Math.abs(s[i] - sum / 20) < 1e-12, `bar ${i}`);
  }
});

test('sma: exactly the input over a run of equal values, so flat moving averages compare equal', () => {
  const flat = Float64Array.from([1.1, 2.3, 0.7, ...Array(30).fill(3.3)]);
  const fast = sma(flat, 5), slow = sma(flat, 20);
  for (let i = 25; i < flat.length; i++) {
    assert.equal(fast[i], 3.3);
    assert.equal(slow[i], 3.3);
  }
});

test('ema: seeded with the (pairwise-summed) simple average, then pandas\' ewm(span=n, adjust=False) step', () => {
  const e = ema(values, 10);
  assert.ok(Number.isNaN(e[8]));
  assert.equal(e[9], pairwiseSum(values, 0, 10) / 10);
  const alpha = 1 / 5.5, keep = 1 - alpha;
  assert.equal(e[10], (keep * e[9] + alpha * values[10]) / (keep + alpha));
  assert.ok(Math.abs(e[10] - (e[9] + (2 / 11) * (values[10] - e[9]))) < 1e-12, 'the textbook EMA, up to rounding');
});

test('ema: a flat stretch at the average stays exactly flat', () => {
  const e = ema(Float64Array.from([...Array(5).fill(2.7), ...Array(20).fill(2.7)]), 5);
  for (let i = 4; i < 25; i++) assert.equal(e[i], 2.7);
});

test('rollingStd: the population standard deviation of each window, near 0 over equal values as in pandas', () => {
  const flat = Float64Array.from([...values.subarray(0, 60), ...Array(40).fill(values[59]), ...values.subarray(60)]);
  const sd = rollingStd(flat, 20);
  for (let i = 0; i < 19; i++) assert.ok(Number.isNaN(sd[i]));
  for (let i = 19; i < flat.length; i++) {
    const window = flat.subarray(i - 19, i + 1);
    const m = window.reduce((x, y) => x + y) / 20;
    const exact = Math.sqrt(window.reduce((x, y) => x + (y - m) ** 2, 0) / 20);
    // Over equal values pandas keeps the running sum of squares' rounding residue (~1e-8 of the level).
    const tolerance = exact > 1e-3 ? 1e-9 * exact : 1e-7 * m;
    assert.ok(Math.abs(sd[i] - exact) <= tolerance, `bar ${i}: ${sd[i]} vs ${exact}`);
  }
});

test('rsi: 100 on a steady rise, 50 on a flat line, within 0..100', () => {
  const up = rsi(Float64Array.from({ length: 40 }, (_, i) => i), 14);
  assert.ok(Number.isNaN(up[13]));
  assert.equal(up[14], 100);
  assert.equal(rsi(new Float64Array(40).fill(5), 14)[30], 50);
  for (const r of rsi(values, 14).subarray(14)) assert.ok(r >= 0 && r <= 100);
});

test('priorExtreme: highest and lowest of the bars before, excluding the bar itself', () => {
  const hi = priorExtreme(values, 15, 1), lo = priorExtreme(values, 15, -1);
  for (let i = 0; i < 15; i++) assert.ok(Number.isNaN(hi[i]));
  for (let i = 15; i < values.length; i++) {
    const window = values.subarray(i - 15, i);
    assert.equal(hi[i], Math.max(...window));
    assert.equal(lo[i], Math.min(...window));
  }
});

const SERIES = { seed: 1, bars: 300, interval: '1d', weekends: false, start: '2018-01-01', mu: 0.05, sigma: 0.4, startPrice: 20 } as const;

test('Indicators: each argument computed once; past its budget the least recently used values of earlier batches are dropped', () => {
  const bars = generateBars({ ...SERIES, seed: 3, bars: 100 });
  const bytes = 100 * 8;
  const indicators = new Indicators(bars, 2 * bytes);
  indicators.startBatch();
  const sma5 = indicators.sma(5), sma10 = indicators.sma(10);
  assert.equal(indicators.sma(5), sma5, 'a second request is the same array');
  const sma20 = indicators.sma(20);
  assert.equal(indicators.sma(10), sma10, 'the running batch keeps all it computed, past the budget');
  indicators.startBatch();
  indicators.sma(5);
  indicators.sma(30);
  assert.equal(indicators.sma(5), sma5, 'used in this batch, so kept');
  const again = indicators.sma(20);
  assert.notEqual(again, sma20, 'the least recently used of an earlier batch was dropped and is computed anew');
  assert.deepEqual(again, sma20);
  assert.deepEqual(new Indicators(bars).sma(10), sma10);
});

test('sharedIndicators: one set per series, shared by every batch on it', () => {
  const bars = generateBars({ ...SERIES, seed: 4 }), other = generateBars({ ...SERIES, seed: 4 });
  assert.equal(sharedIndicators(bars), sharedIndicators(bars));
  assert.equal(sharedIndicators(bars).ema(12), sharedIndicators(bars).ema(12));
  assert.notEqual(sharedIndicators(other), sharedIndicators(bars));
  assert.deepEqual(sharedIndicators(other).ema(12), sharedIndicators(bars).ema(12));
});
