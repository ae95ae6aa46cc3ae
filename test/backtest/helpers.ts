import assert from 'node:assert/strict';
import type { Bars, StrategyDef } from '../../backtest';
import { InputError } from '../../errors';

const DAY = 86_400_000;

/** Daily bars from rows of [open, high, low, close], starting 2020-01-01, every day. */
export function barsOf(rows: [number, number, number, number][]): Bars {
  const n = rows.length;
  const col = (k: number) => Float64Array.from(rows, (r) => r[k]);
  return {
    time: Float64Array.from({ length: n }, (_, i) => Date.UTC(2020, 0, 1) + i * DAY),
    open: col(0), high: col(1), low: col(2), close: col(3),
    volume: new Float64Array(n).fill(1000), length: n, source: 'test bars',
  };
}

/** A strategy that sets the given targets at the given bars and holds elsewhere; no warm-up. */
export function scripted(targets: Record<number, number>, lookback = 0): StrategyDef {
  return {
    name: 'scripted',
    description: 'targets fixed by the test',
    params: {},
    lookback: () => lookback,
    signals: (_indicators, _params, out) => {
      for (const [bar, target] of Object.entries(targets)) if (Number(bar) < out.length) out[Number(bar)] = target;
    },
  };
}

/** Asserts that `fn` throws an InputError whose message contains every part (strings literally). */
export function assertInputError(fn: () => unknown, ...parts: (string | RegExp)[]): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof InputError, `expected InputError, got ${String(err)}`);
    for (const p of parts) assert.match(err.message, typeof p === 'string' ? new RegExp(p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : p);
    return true;
  });
}
