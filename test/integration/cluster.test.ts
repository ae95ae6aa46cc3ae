import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Cluster } from 'ioredis';
import type { RedisClient } from '../../store/redis/client';
import { keys, RedisTrialStore } from '../../store/redis/trialStore';
import { workerKeys } from '../../store/redis/workerStats';
import type { SessionSummary } from '../../types/session';
import { makeCampaign, SMA_GRID } from '../helpers/campaign';
import { tuneflow } from '../helpers/cli';
import { keysByNode } from '../helpers/redisKeys';
import { redisClient, testCluster, uniqueId, withWorker } from '../helpers/stack';
import { closedPort } from '../helpers/ports';

const cluster = testCluster();


describe('a session whose trial store is a Redis Cluster', { skip: 'skip' in cluster ? cluster.skip : false, timeout: 180_000 }, () => {
  const { address, clusterUrl } = 'skip' in cluster ? { address: '', clusterUrl: '' } : cluster;
  let redis: RedisClient;

  before(async () => {
    redis = redisClient(clusterUrl);
    await redis.ping();
  });
  after(() => redis.disconnect());

  /** The master serving `key`'s hash slot, as `host:port`. */
  async function ownerOf(key: string): Promise<string> {
    assert.ok(redis instanceof Cluster, 'a redis+cluster:// URL gives a Cluster client');
    const slot = Number(await redis.cluster('KEYSLOT', key));
    return redis.slots[slot][0];
  }

  /** A session id whose keys live on another master than the index of sessions, so no MULTI may join them. */
  async function sessionAwayFromIndex(): Promise<string> {
    const indexOwner = await ownerOf(keys.sessions);
    for (;;) {
      const sessionId = uniqueId('cluster');
      if ((await ownerOf(keys.meta(sessionId))) !== indexOwner) return sessionId;
    }
  }

  test('a grid session runs, its outputs and trials are complete, and `results` and `workers` read them', async () => {
    const campaign = makeCampaign(SMA_GRID);
    const sessionId = await sessionAwayFromIndex();
    const taskQueue = uniqueId('tq');
    const workerId = uniqueId('cluster-worker');
    const env = { TEMPORAL_ADDRESS: address, REDIS_URL: clusterUrl, TUNEFLOW_TASK_QUEUE: taskQueue };

    const run = await withWorker({ address, redisUrl: clusterUrl, taskQueue, workerId }, () =>
      tuneflow(['run', campaign.config, '--session-id', sessionId, '--json'], env),
    );
    assert.equal(run.code, 0, run.stderr);
    const summary = JSON.parse(run.stdout) as SessionSummary;
    assert.deepEqual(summary.counts, { ...summary.counts, succeeded: 24, failed: 0 });

    const outputs = path.join(campaign.dir, 'outputs', sessionId);
    for (const name of ['best_params.json', 'rankings.csv', 'trials.csv', 'run.json']) assert.ok(fs.existsSync(path.join(outputs, name)), `${name} written`);
    const best = JSON.parse(fs.readFileSync(path.join(outputs, 'best_params.json'), 'utf8'));
    assert.deepEqual(best.best[0].params, summary.best!.params);
    assert.equal(fs.readFileSync(path.join(outputs, 'trials.csv'), 'utf8').trim().split('\n').length, 25);
    const runJson = JSON.parse(fs.readFileSync(path.join(outputs, 'run.json'), 'utf8'));
    assert.equal(runJson.counts.succeeded, 24);
    assert.equal(runJson.workers[workerId].done, 24, 'per-session worker totals written on the cluster');
    assert.equal(runJson.time_breakdown.trials, 24, 'batch times written on the cluster');

    const store = new RedisTrialStore(redis);
    assert.equal(await store.countTrials(sessionId), 24);
    assert.equal((await store.getMeta(sessionId))?.status, 'completed');
    assert.equal(Math.max(...(await store.allTrials(sessionId)).map((t) => t.objective ?? -Infinity)), summary.best!.objective);

    // One session's keys share a slot; the fleet's and the index of sessions live elsewhere on the cluster.
    const byNode = await keysByNode(redis, 'tf:*');
    const sessionOwner = await ownerOf(keys.meta(sessionId));
    for (const [node, found] of byNode) {
      const ofSession = found.filter((key) => key.startsWith(`tf:{${sessionId}}:`));
      // meta, names, buckets, tally, the per-session worker totals and the batch times (totals, slowest).
      assert.equal(ofSession.length, node === sessionOwner ? 7 : 0, `session keys on ${node}: ${JSON.stringify(ofSession)}`);
    }
    assert.ok(byNode.get(await ownerOf(keys.sessions))!.includes(keys.sessions));
    assert.notEqual(await redis.zscore(keys.sessions, sessionId), null, 'the session is indexed');
    assert.notEqual(await redis.zscore(workerKeys.all, workerId), null, 'the worker is indexed');
    assert.ok([...byNode.values()].filter((found) => found.length > 0).length >= 2, 'tuneflow keys on more than one master');

    const results = await tuneflow(['results', sessionId], env);
    assert.equal(results.code, 0, results.stderr);
    assert.match(results.stdout, new RegExp(`^Session ${sessionId}: 24 trials stored, 0 failed; top 10 by sharpe:`));
    const csv = await tuneflow(['results', sessionId, '--csv', '--top-n', '1'], env);
    assert.equal(csv.code, 0, csv.stderr);
    const [header, top] = csv.stdout.trim().split('\n');
    assert.match(header, /^rank,trial_id,fast,slow,sharpe/);
    assert.equal(top.split(',').slice(2, 5).join(','), `${summary.best!.params.fast},${summary.best!.params.slow},${summary.best!.objective}`);

    const workers = await tuneflow(['workers', '--json'], env);
    assert.equal(workers.code, 0, workers.stderr);
    const listed = (JSON.parse(workers.stdout) as Array<{ workerId: string; trialsDone: number; currentTrials: number }>).find((w) => w.workerId === workerId);
    assert.deepEqual(listed && { done: listed.trialsDone, current: listed.currentTrials }, { done: 24, current: 0 });
  });

  test('an unreachable cluster ends a command with its address, without the password', async () => {
    const url = `redis+cluster://:hunter2@127.0.0.1:${await closedPort()}`;
    const results = await tuneflow(['results', 'any-session'], { REDIS_URL: url, TEMPORAL_ADDRESS: address });
    assert.equal(results.code, 2, results.stderr);
    assert.match(results.stderr, /Cannot reach Redis at redis\+cluster:\/\/:\*\*\*@127\.0\.0\.1:\d+: /);
    assert.ok(!results.stderr.includes('hunter2'));
  });
});
