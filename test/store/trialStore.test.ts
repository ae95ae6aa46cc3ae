import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { keys, TrialStore } from '../../activities/trialStore';
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
  const store = new TrialStore(redis);
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
      assert.deepEqual(await redis.zrange(keys.board(session), 0, -1, 'WITHSCORES'), ['1', '1.25']);
    });
  }

  it('reads records stored as plain JSON strings before, and keeps a stored success', async () => {
    const session = uniqueId('store');
    const old = record(session, { fast: 5 }, 'succeeded', 1);
    await redis.multi().set(keys.trial(session, 1), JSON.stringify(old)).zadd(keys.trials(session), 1, '1').exec();
    assert.deepEqual(await store.getTrial(session, 1), old);
    assert.equal(await store.putTrial(record(session, { fast: 5 }, 'failed', 2)), false);
    assert.deepEqual(await store.allTrials(session), [old]);
  });
});
