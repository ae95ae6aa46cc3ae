import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generateBars, type GenerateOptions } from '../../backtest';
import { dayOfWeek } from '../../backtest/dates';
import { InputError } from '../../errors';

const daily: GenerateOptions = { seed: 9, bars: 500, interval: '1d', weekends: false, start: '2020-01-04', mu: 0.1, sigma: 0.3, startPrice: 100 };

test('the same options give the same bars; another seed other bars', () => {
  assert.deepEqual(generateBars(daily), generateBars(daily));
  assert.notDeepEqual(generateBars(daily).close, generateBars({ ...daily, seed: 10 }).close);
});

test('bars are plausible OHLC on cents', () => {
  const b = generateBars(daily);
  for (let i = 0; i < b.length; i++) {
    assert.ok(b.low[i] <= Math.min(b.open[i], b.close[i]) && b.high[i] >= Math.max(b.open[i], b.close[i]), `bar ${i}`);
    assert.equal(Math.round(b.close[i] * 100) / 100, b.close[i]);
    assert.ok(b.volume[i] > 0);
  }
});

test('weekdays only when weekends are off, and hourly bars around the clock when on', () => {
  const b = generateBars(daily);
  assert.equal(dayOfWeek(b.time[0]), 0, 'a Saturday start moves to Monday');
  for (let i = 0; i < b.length; i++) assert.ok(dayOfWeek(b.time[i]) < 5);
  const h = generateBars({ ...daily, interval: '1h', weekends: true, bars: 200 });
  for (let i = 1; i < h.length; i++) assert.equal(h.time[i] - h.time[i - 1], 3_600_000);
});

test('daily log returns have roughly the requested volatility', () => {
  const b = generateBars({ ...daily, bars: 5000, mu: 0 });
  let s = 0, ss = 0;
  for (let i = 1; i < b.length; i++) {
    const r = Math.log(b.close[i] / b.close[i - 1]);
    s += r;
    ss += r * r;
  }
  const n = b.length - 1;
  const annualVol = Math.sqrt((ss / n - (s / n) ** 2) * 252);
  assert.ok(Math.abs(annualVol - 0.3) < 0.02, `annual volatility ${annualVol}`);
});

test('bad options are input errors', () => {
  assert.throws(() => generateBars({ ...daily, bars: 0 }), InputError);
  assert.throws(() => generateBars({ ...daily, start: 'yesterday' }), InputError);
});
