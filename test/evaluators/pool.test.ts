import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { runBacktest } from '../../backtest';
import { InputError, InvalidParametersError } from '../../errors';
import { createBacktestPool, type BacktestPool } from '../../evaluators/pool';
import { makePoolFixture, never, trial, type PoolFixture } from './poolFixtures';

describe('backtest thread pool', () => {
  let fx: PoolFixture;
  let pool: BacktestPool;

  before(() => {
    fx = makePoolFixture();
    pool = createBacktestPool({ threads: 2, maxMemoryMb: 64 });
  });
  after(async () => {
    await pool.close();
    fs.rmSync(fx.dir, { recursive: true, force: true });
  });

  it('returns the metrics runBacktest computes in the main thread', async () => {
    const grid = [{ fast: 5, slow: 20 }, { fast: 10, slow: 30 }, { fast: 20, slow: 100 }];
    const results = await Promise.all(grid.map((p, i) => pool.evaluate(trial(fx, i, 'sma_crossover', p), never)));
    grid.forEach((params, i) => {
      const direct = runBacktest(fx.bars, 'sma_crossover', params, { cash: 10_000, commission: 0.002 }).metrics;
      const expected = Object.fromEntries(Object.entries(direct).map(([k, v]) => [k, Number.isFinite(v) ? v : null]));
      assert.deepEqual(results[i], expected);
    });
  });

  it('rejects invalid parameters with InvalidParametersError and the engine message', async () => {
    const err = await pool.evaluate(trial(fx, 10, 'sma_crossover', { fast: 30, slow: 10 }), never).then(
      () => assert.fail('expected a rejection'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof InvalidParametersError);
    assert.equal(err.message, 'sma_crossover: fast < slow must hold, got fast=30 slow=10.');
  });

  it('rejects an unknown strategy with InputError and other failures with a plain Error', async () => {
    const unknown = await pool.evaluate(trial(fx, 11, 'sma_crossovr', {}), never).catch((e: unknown) => e);
    assert.ok(unknown instanceof InputError && !(unknown instanceof InvalidParametersError));
    assert.match(unknown.message, /did you mean "sma_crossover"/);

    const base = trial(fx, 12, 'sma_crossover', {});
    const other = await pool.evaluate({ ...base, evaluator: { ...base.evaluator, dataPath: `${fx.dir}/gone.csv` } }, never).catch((e: unknown) => e);
    assert.ok(other instanceof Error && !(other instanceof InputError));
    assert.match(other.message, /ENOENT/);
  });

  it('fails a trial past --max-memory-mb retryably, names the limit, and keeps serving', async () => {
    const err = await pool.evaluate(trial(fx, 20, 'pool_probe', { hog: 1 }), never).catch((e: unknown) => e);
    assert.ok(err instanceof Error && !(err instanceof InputError), 'a plain Error, which the activity retries');
    assert.match(err.message, /^trial 20 exceeded --max-memory-mb 64 in its backtest thread/);
    assert.equal(pool.stats().outOfMemory, 1);

    const next = await pool.evaluate(trial(fx, 21, 'sma_crossover', { fast: 10, slow: 30 }), never);
    assert.equal(typeof next.sharpe, 'number');
    assert.equal(pool.stats().threads, 2);
  });

  it('keeps the main event loop responsive while every thread is busy', async () => {
    const ticks: number[] = [];
    const timer = setInterval(() => ticks.push(performance.now()), 10);
    const started = performance.now();
    await Promise.all([0, 1, 2, 3, 4, 5].map((i) => pool.evaluate(trial(fx, 30 + i, 'pool_probe', { spinMs: 250 }), never)));
    clearInterval(timer);
    const elapsed = performance.now() - started;
    assert.ok(elapsed >= 700, `six 250 ms trials on two threads took ${elapsed.toFixed(0)} ms`);
    const gaps = ticks.slice(1).map((t, i) => t - ticks[i]);
    assert.ok(ticks.length >= elapsed / 10 / 2, `${ticks.length} ticks in ${elapsed.toFixed(0)} ms`);
    // A trial run on the main thread would stall it for its whole 250 ms; a loaded machine stalls it for ~100 ms.
    assert.ok(Math.max(...gaps) < 200, `longest pause of the event loop: ${Math.max(...gaps).toFixed(0)} ms`);
  });

  it('on abort drops a queued trial, stops a running one, and rejects both with the reason', async () => {
    const single = createBacktestPool({ threads: 1 });
    try {
      const controller = new AbortController();
      const running = single.evaluate(trial(fx, 40, 'pool_probe', { spinMs: 3_600_000 }), controller.signal).catch((e: unknown) => e);
      const queued = single.evaluate(trial(fx, 41, 'sma_crossover', {}), controller.signal).catch((e: unknown) => e);
      await new Promise((r) => setTimeout(r, 300));
      assert.deepEqual([single.stats().inFlight, single.stats().queued], [2, 1]);
      const reason = new Error('session cancelled');
      const t0 = performance.now();
      controller.abort(reason);
      assert.equal(await running, reason);
      assert.equal(await queued, reason);
      assert.ok(performance.now() - t0 < 500);
      assert.equal(single.stats().cancelled, 2);

      const next = await single.evaluate(trial(fx, 42, 'sma_crossover', {}), never);
      assert.equal(typeof next.trades, 'number');
    } finally {
      await single.close();
    }
  });
});
