import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { keys, RedisTrialStore } from '../../store/redis/trialStore';
import type { Params } from '../../search/types';
import type { TrialRecord, TrialStatus } from '../../types/trial';
import { redisClient, SKIP_REASON, testServices, uniqueId } from '../helpers/stack';

const services = testServices();

function record(sessionId: string, params: Params, status: TrialStatus, attempt: number): TrialRecord {
  return {
    sessionId, trialId: 1, params, status, attempt,
    metrics: status === 'succeeded' ? { sharpe: 1.25 } : {},
    objective: status === 'succeeded' ? 1.25 : null,
    workerId: 'w', durationMs: 1, finishedAt: '2024-01-01T00:00:00.000Z',
    ...(status === 'failed' ? { error: `Error: attempt ${attempt} failed with "status":"succeeded" in its text` } : {}),
  };
}

describe('trial store on the real Redis', { skip: services ? false : SKIP_REASON }, () => {
  const redis = redisClient(services?.redisUrl ?? 'redis://127.0.0.1:1');
  const store = new RedisTrialStore(redis);
  after(() => redis.disconnect());

  const lookalikes: [string, Params][] = [
    ['a categorical value that is the text "status":"succeeded"', { mode: '"status":"succeeded"', fast: 5 }],
    ['a parameter named status with the value succeeded', { status: 'succeeded', fast: 5 }],
  ];
  for (const [what, params] of lookalikes) {
    it(`decides by the record's own status, not its text, with ${what}`, async () => {
      const session = uniqueId('store');
      assert.equal(await store.putTrial(record(session, params, 'failed', 1)), true);
      assert.equal(await store.putTrial(record(session, params, 'failed', 2)), true, 'a failure replaces a failure');
      assert.equal((await store.getTrial(session, 1))?.attempt, 2);
      assert.equal(await store.putTrial(record(session, params, 'succeeded', 3)), true, 'a success replaces a failure');
      assert.equal(await store.putTrial(record(session, params, 'failed', 4)), false, 'a failure never replaces a success');
      const stored = await store.getTrial(session, 1);
      assert.equal(stored?.status, 'succeeded');
      assert.deepEqual(stored?.params, params);
      assert.equal(stored?.objective, 1.25);
      assert.equal(await store.countTrials(session), 1);
    });
  }

  /** Writes `record` as the previous release did: a JSON string key and entries in the two index zsets. */
  async function putLegacy(r: TrialRecord): Promise<void> {
    const m = redis.multi().set(keys.legacy.trial(r.sessionId, r.trialId), JSON.stringify(r)).zadd(keys.legacy.trials(r.sessionId), r.trialId, String(r.trialId));
    if (r.status === 'succeeded' && r.objective !== null) m.zadd(keys.legacy.board(r.sessionId), r.objective, String(r.trialId));
    await m.exec();
  }
  const withId = (r: TrialRecord, trialId: number): TrialRecord => ({ ...r, trialId });

  it('reads a session begun by the previous release, merged with records of this one, success winning', async () => {
    const session = uniqueId('store');
    const ok = (id: number) => withId(record(session, { fast: id }, 'succeeded', 1), id);
    const failed = (id: number, attempt: number) => withId(record(session, { fast: id }, 'failed', attempt), id);
    for (const r of [ok(1), failed(2, 1), ok(3), failed(4, 1), ok(40)]) await putLegacy(r);
    assert.equal(await store.putTrial(failed(3, 2)), false, 'a failure never replaces a legacy success');
    assert.equal(await store.putTrial(ok(2)), true, 'a success replaces a legacy failure');
    assert.equal(await store.putTrial(failed(4, 2)), true, 'a failure replaces a legacy failure');
    assert.deepEqual(await store.putTrials([ok(5), failed(6, 1), ok(20)]), [true, true, true]);
    assert.equal(await redis.exists(keys.legacy.trial(session, 2)), 0, 'a replaced legacy record is removed');

    const all = await store.allTrials(session);
    assert.deepEqual(all.map((t) => t.trialId), [1, 2, 3, 4, 5, 6, 20, 40]);
    assert.deepEqual(all.map((t) => t.status), ['succeeded', 'succeeded', 'succeeded', 'failed', 'succeeded', 'failed', 'succeeded', 'succeeded']);
    assert.deepEqual(all[0], ok(1), 'a legacy record reads back as it was written');
    assert.equal(all[3].attempt, 2);
    assert.equal(await store.countTrials(session), 8);
    assert.deepEqual([...(await store.getTrials(session, [40, 2, 7, 1])).keys()].sort((a, b) => a - b), [1, 2, 40]);

    // A worker of the previous release writes a failure over a success this release stored: reads keep the success.
    await putLegacy(failed(5, 3));
    assert.equal((await store.getTrial(session, 5))?.status, 'succeeded');
    assert.equal(await store.countTrials(session), 8, 'an id held by both layouts counts once');
    assert.equal((await store.allTrials(session)).length, 8);
  });

  it('writes and reads batches with the per-record rules, in id order across pages', async () => {
    const session = uniqueId('store');
    const records = Array.from({ length: 300 }, (_, i): TrialRecord => {
      const r = withId(record(session, { fast: i, mode: i % 2 ? 'a' : 'b', on: i % 3 === 0, ratio: i / 7 }, i % 5 ? 'succeeded' : 'failed', 1), i + 1);
      return { ...r, workerId: `w${i % 3}`, metrics: i % 5 ? { sharpe: i / 3, trades: i, equity_final: 1e4 + i * 1.1, nothing: null } : {}, objective: i % 5 ? i / 3 : null };
    });
    assert.deepEqual(await store.putTrials(records.slice(0, 150).reverse()), new Array(150).fill(true));
    await store.putTrials(records.slice(150));
    const failedAgain = records.filter((r) => r.status === 'succeeded').slice(0, 10).map((r): TrialRecord => ({ ...r, status: 'failed', attempt: 2 }));
    assert.deepEqual(await store.putTrials(failedAgain), new Array(10).fill(false));
    const fresh = new RedisTrialStore(redis);
    const read: TrialRecord[] = [];
    for await (const r of fresh.iterateTrials(session, 40)) read.push(r);
    assert.deepEqual(read, records);
    assert.equal(await fresh.countTrials(session), 300);
    const some = await fresh.getTrials(session, [3, 299, 1000]);
    assert.deepEqual([...some.values()], [records[2], records[298]]);
  });
});
