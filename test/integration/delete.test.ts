import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { BatchTimeStore } from '../../store/redis/batchTimes';
import { keys, RedisTrialStore } from '../../store/redis/trialStore';
import { WorkerStatsStore } from '../../store/redis/workerStats';
import { syntheticTrials } from '../../harness/bench/store/syntheticTrials';
import { tuneflow } from '../helpers/cli';
import { redisClient, SKIP_REASON, testServices, uniqueId } from '../helpers/stack';

const services = testServices();

describe('tuneflow delete', { skip: services ? false : SKIP_REASON }, () => {
  const redis = redisClient(services?.redisUrl ?? 'redis://127.0.0.1:1');
  const store = new RedisTrialStore(redis);
  after(() => redis.disconnect());
  const cli = (args: string[]) => tuneflow(args, { REDIS_URL: services!.redisUrl });

  /** A session with records in both layouts, per-session worker totals and batch times, as a fleet leaves it. */
  async function storedSession(sessionId: string, finished: boolean): Promise<void> {
    await store.putMeta({ sessionId, startedAt: Date.now(), spec: {}, ...(finished ? { finishedAt: Date.now(), status: 'completed' } : {}) });
    await store.putTrials([...syntheticTrials(sessionId, 40)]);
    for (const r of syntheticTrials(sessionId, 5, 2, 100)) {
      await redis.multi().set(keys.legacy.trial(sessionId, r.trialId), JSON.stringify(r)).zadd(keys.legacy.trials(sessionId), r.trialId, String(r.trialId)).exec();
    }
    await new WorkerStatsStore(redis).trialFinished('w1', sessionId, { failed: false, attempt: 1, durationMs: 3 });
    const phases = { load: 1, indicators: 1, simulation: 1, statistics: 1, evaluate: 0, store: 1 };
    await new BatchTimeStore(redis).record(sessionId, { firstTrialId: 1, lastTrialId: 40, trials: 40, workerId: 'w1', finishedAt: Date.now(), wallMs: 5, phases });
  }

  const sessionKeys = async (sessionId: string) => redis.keys(`tf:{${sessionId}}*`);

  test('refuses a running session without --force, removes it and its splits with it, and leaves other sessions alone', async () => {
    const id = uniqueId('del');
    const other = uniqueId('keep');
    await storedSession(id, false);
    await storedSession(`${id}/split-1`, true);
    await storedSession(`${id}/split-2`, false);
    await storedSession(other, true);
    assert.ok((await sessionKeys(id)).length >= 8);

    const refused = await cli(['delete', id]);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, new RegExp(`^tuneflow: Session "${id}" is still running .*--force`));
    assert.equal(refused.stderr.trim().split('\n').length, 1, 'one paragraph');
    assert.equal(await store.countTrials(id), 45, 'nothing deleted');

    const done = await cli(['delete', id, '--force']);
    assert.equal(done.code, 0, done.stderr);
    assert.match(done.stdout, new RegExp(`Deleted session ${id}: 45 trials`));
    assert.match(done.stdout, new RegExp(`Deleted session ${id}/split-1: 45 trials`));
    assert.match(done.stdout, new RegExp(`Deleted session ${id}/split-2: 45 trials`));
    for (const s of [id, `${id}/split-1`, `${id}/split-2`]) {
      assert.deepEqual(await sessionKeys(s), [], `no key of ${s} is left`);
      assert.equal(await redis.zscore(keys.sessions, s), null);
    }
    assert.equal(await store.countTrials(other), 45, 'another session keeps its trials');
    assert.notEqual(await redis.zscore(keys.sessions, other), null);

    const again = await cli(['delete', id]);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /No session .* nothing deleted/);
  });

  test('deletes a finished session without --force', async () => {
    const id = uniqueId('del');
    await storedSession(id, true);
    const done = await cli(['delete', id]);
    assert.equal(done.code, 0, done.stderr);
    assert.deepEqual(await sessionKeys(id), []);
  });
});
