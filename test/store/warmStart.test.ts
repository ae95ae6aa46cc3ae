import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { RedisTrialStore } from '../../store/redis/trialStore';
import { readWarmStart, WARM_START_BYTES } from '../../activities/warmStart';
import { loadSessionSpec } from '../../config/load';
import { InputError } from '../../errors';
import type { SessionSpec } from '../../types/session';
import type { TrialRecord } from '../../types/trial';
import { makeCampaign, SMA_GRID } from '../helpers/campaign';
import { redisClient, SKIP_REASON, testServices, uniqueId } from '../helpers/stack';

const services = testServices();

/** A stored trial of the SMA grid space: its Sharpe ratio, return and trade count as given. */
function record(sessionId: string, trialId: number, fast: number, slow: number, metrics: { sharpe: number | null; return_pct: number; trades: number }): TrialRecord {
  return {
    sessionId, trialId, params: { fast, slow }, status: 'succeeded', metrics, objective: metrics.sharpe, attempt: 1, workerId: 'w', durationMs: 1, finishedAt: new Date(0).toISOString(),
  };
}

describe('readWarmStart: the earlier trials a new session is seeded with', { skip: services ? false : SKIP_REASON }, () => {
  const redis = redisClient(services?.redisUrl ?? 'redis://127.0.0.1:1');
  const store = new RedisTrialStore(redis);
  const campaign = makeCampaign(SMA_GRID);
  const earlier = loadSessionSpec(campaign.config, { sessionId: uniqueId('earlier') });
  const spec = (change: Partial<SessionSpec> = {}, trials = 1000): SessionSpec => ({
    ...loadSessionSpec(campaign.config, { sessionId: uniqueId('later') }),
    warmStart: { sessionId: earlier.sessionId, trials },
    ...change,
  });

  before(async () => {
    await store.putMeta({ sessionId: earlier.sessionId, startedAt: Date.now(), spec: earlier });
    const id = earlier.sessionId;
    await store.putTrials([
      record(id, 1, 5, 10, { sharpe: 0.1, return_pct: 30, trades: 40 }),
      record(id, 2, 10, 20, { sharpe: 0.9, return_pct: -5, trades: 3 }),
      record(id, 3, 15, 60, { sharpe: null, return_pct: 0, trades: 0 }),
      record(id, 4, 20, 30, { sharpe: 0.5, return_pct: 12, trades: 25 }),
      // Outside the grid (off its steps, beyond its range) or breaking `fast < slow`.
      record(id, 5, 7, 30, { sharpe: 2, return_pct: 99, trades: 50 }),
      record(id, 6, 5, 70, { sharpe: 2, return_pct: 99, trades: 50 }),
      record(id, 7, 25, 20, { sharpe: 2, return_pct: 99, trades: 50 }),
      { ...record(id, 8, 5, 20, { sharpe: null, return_pct: 0, trades: 0 }), status: 'failed', metrics: {}, error: 'boom' },
    ]);
  });
  after(() => redis.disconnect());

  test('the trials in the space, scored by the new objective, in the earlier order; the others counted', async () => {
    const warm = await readWarmStart(store, spec());
    assert.deepEqual(warm.trials, [
      { params: { fast: 5, slow: 10 }, outcome: { value: 0.1 } },
      { params: { fast: 10, slow: 20 }, outcome: { value: 0.9 } },
      { params: { fast: 15, slow: 60 }, outcome: { failed: true } },
      { params: { fast: 20, slow: 30 }, outcome: { value: 0.5 } },
    ]);
    assert.deepEqual(warm.note, { session: earlier.sessionId, trials: 4, outOfSpace: 3, beyondCap: 0 });
  });

  test('another objective takes its own stored metric; min_trades and result constraints score as the new session would', async () => {
    const byReturn = await readWarmStart(store, spec({ objective: { metric: 'return_pct', direction: 'maximize' }, minTrades: 5 }));
    assert.deepEqual(byReturn.trials.map((t) => t.outcome), [{ value: 30 }, { failed: true }, { failed: true }, { value: 12 }]);
    const constrained = await readWarmStart(store, spec({ resultConstraints: ['trades >= 30'] }));
    assert.deepEqual(constrained.trials.map((t) => t.outcome), [{ value: 0.1 }, { infeasible: true }, { infeasible: true }, { infeasible: true }]);
    const both = await readWarmStart(store, spec({ objectives: [{ metric: 'sharpe', direction: 'maximize' }, { metric: 'return_pct', direction: 'maximize' }] }));
    assert.deepEqual(both.trials.map((t) => t.outcome), [{ values: [0.1, 30] }, { values: [0.9, -5] }, { failed: true }, { values: [0.5, 12] }]);
  });

  test('a cap keeps the best by the objective, then the infeasible, then the unranked', async () => {
    const capped = await readWarmStart(store, spec({}, 2));
    assert.deepEqual(capped.trials.map((t) => t.params), [{ fast: 10, slow: 20 }, { fast: 20, slow: 30 }]);
    assert.deepEqual(capped.note, { session: earlier.sessionId, trials: 2, outOfSpace: 3, beyondCap: 2 });
    const minimised = await readWarmStart(store, spec({ objective: { metric: 'sharpe', direction: 'minimize' }, resultConstraints: ['trades >= 30'] }, 2));
    assert.deepEqual(minimised.trials.map((t) => t.params), [{ fast: 5, slow: 10 }, { fast: 10, slow: 20 }]);
  });

  test('a session of many parameters is cut to the size bound, its best kept', async () => {
    const id = uniqueId('wide');
    const names = Array.from({ length: 40 }, (_, i) => `parameter_with_a_rather_long_name_${i}`);
    const space = Object.fromEntries(names.map((n) => [n, { type: 'float' as const, low: 0, high: 1 }]));
    const wide: SessionSpec = { ...earlier, sessionId: id, search: { ...earlier.search, space, constraints: [] } };
    await store.putMeta({ sessionId: id, startedAt: Date.now(), spec: wide });
    const records = Array.from({ length: 1000 }, (_, i): TrialRecord => ({
      ...record(id, i + 1, 0, 0, { sharpe: i, return_pct: 0, trades: 10 }),
      params: Object.fromEntries(names.map((n, k) => [n, ((i * 7 + k) % 97) / 97 + 1e-9])),
    }));
    for (let i = 0; i < records.length; i += 250) await store.putTrials(records.slice(i, i + 250));
    const warm = await readWarmStart(store, { ...wide, sessionId: uniqueId('later'), warmStart: { sessionId: id, trials: 1000 } });
    assert.ok(warm.trials.length < 1000 && warm.trials.length > 100, `${warm.trials.length} trials`);
    assert.ok(JSON.stringify(warm.trials).length <= WARM_START_BYTES);
    assert.equal(warm.note.beyondCap, 1000 - warm.trials.length);
    const values = warm.trials.map((t) => (t.outcome as { value: number }).value);
    assert.equal(Math.min(...values), 1000 - warm.trials.length, 'the best by the objective are kept');
    assert.deepEqual(values, [...values].sort((a, b) => a - b), 'in the earlier order');
  });

  test('what cannot seed a search is refused with a message naming the key', async () => {
    const refused = async (s: SessionSpec, expect: RegExp) => {
      await assert.rejects(readWarmStart(store, s), (err: unknown) => err instanceof InputError && expect.test(err.message) && err.message.includes('`search.warm_start`'));
    };
    await refused({ ...spec(), warmStart: { sessionId: uniqueId('missing'), trials: 10 } }, /the trial store has no session "missing-/);
    await refused(spec({ minTrades: 1000 }), /would be ranked by this config \(trial 1: not ranked: 40 trades < min_trades 1000\)/);
    const failedOnly = uniqueId('failed');
    await store.putMeta({ sessionId: failedOnly, startedAt: Date.now(), spec: { ...earlier, sessionId: failedOnly, walkForward: { mode: 'rolling', warmup: 0, splits: [], topN: 1, concurrency: 1 } } });
    await refused({ ...spec(), warmStart: { sessionId: failedOnly, trials: 10 } }, new RegExp(`has no succeeded trial to start from; a walk-forward session keeps its trials in its splits: name one, e.g. ${failedOnly}/split-1`));
  });
});
