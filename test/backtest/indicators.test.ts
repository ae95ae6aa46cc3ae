import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ema, priorExtreme, rsi, sma } from '../../backtest/indicators';

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

test('ema: seeded with the simple average, then smoothed by 2 / (n + 1)', () => {
  const e = ema(values, 10);
  assert.ok(Number.isNaN(e[8]));
  let seed = 0;
  for (let i = 0; i < 10; i++) seed += values[i];
  assert.equal(e[9], seed / 10);
  assert.equal(e[10], e[9] + (2 / 11) * (values[10] - e[9]));
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
