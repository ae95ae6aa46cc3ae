import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createBacktestEvaluator, type TrialEvaluator } from '../../evaluators/index';
import { ResultCache } from '../../store/redis/resultCache';
import { RedisTrialStore } from '../../store/redis/trialStore';
import { startOrAttach } from '../../cli/sessionClient';
import { loadSessionSpec } from '../../config/load';
import type { SessionSpec, SessionSummary } from '../../types/session';
import type { TrialRecord } from '../../types/trial';
import { makeCampaign, SMA_GRID } from '../helpers/campaign';
import { tuneflow } from '../helpers/cli';
import { connectTestClient, redisClient, SKIP_REASON, testCluster, testServices, uniqueId, withWorker } from '../helpers/stack';

const services = testServices();

/** A built-in backtest evaluator that counts its calls. */
function countingEvaluator(): { evaluate: TrialEvaluator; calls: () => number } {
  const inner = createBacktestEvaluator();
  let calls = 0;
  return {
    evaluate: (input, signal, phases) => {
      calls += 1;
      return inner(input, signal, phases);
    },
    calls: () => calls,
  };
}

/** The `cached` column of a finished session's trials.csv, by trial id. */
function cachedColumn(spec: SessionSpec): Map<number, string> {
  const [header, ...rows] = fs.readFileSync(path.join(spec.output.dir, spec.sessionId, 'trials.csv'), 'utf8').trim().split('\n');
  const at = header.split(',').indexOf('cached');
  assert.ok(at >= 0, `trials.csv has a cached column: ${header}`);
  return new Map(rows.map((row) => [Number(row.split(',')[0]), row.split(',')[at]]));
}

const results = (records: TrialRecord[]) => records.map((r) => ({ id: r.trialId, params: r.params, metrics: r.metrics, objective: r.objective, note: r.note }));

// One test at a time owns the shared cache: each starts from an empty one.
describe('the result cache across sessions', { skip: services ? false : SKIP_REASON, concurrency: 1 }, () => {
  const { address, redisUrl } = services ?? { address: '', redisUrl: '' };
  let client: Awaited<ReturnType<typeof connectTestClient>>;
  const redis = redisClient(redisUrl || 'redis://127.0.0.1:1');
  const store = new RedisTrialStore(redis);
  const cache = new ResultCache(redis);

  before(async () => {
    client = await connectTestClient(address);
  });
  after(async () => {
    await cache.clear();
    redis.disconnect();
    await client?.close();
  });

  function specFor(config: string): SessionSpec {
    return { ...loadSessionSpec(config, { sessionId: uniqueId('cache') }), taskQueue: uniqueId('tq') };
  }

  async function runSession(spec: SessionSpec, evaluate?: TrialEvaluator): Promise<SessionSummary> {
    return withWorker({ address, redisUrl, taskQueue: spec.taskQueue, evaluate }, async () => (await startOrAttach(client.client, spec)).handle.result());
  }

  test('a re-run campaign takes every result from the cache, evaluates nothing and ends the same', async () => {
    await cache.clear();
    const campaign = makeCampaign(`${SMA_GRID}cache: { max_entries: 1000 }\n`);
    // The first run uses the worker's own thread pool (batches of shared indicators), the next ones a counting evaluator.
    const first = specFor(campaign.config);
    const firstSummary = await runSession(first);
    assert.equal(firstSummary.counts.succeeded + firstSummary.counts.failed, 24);
    const firstRecords = await store.allTrials(first.sessionId);
    assert.ok(firstRecords.every((r) => !r.cached));
    assert.ok([...cachedColumn(first).values()].every((v) => v === '0'));
    const succeeded = firstRecords.filter((r) => r.status === 'succeeded').length;
    assert.ok(succeeded > 0);
    assert.equal(await cache.size(), succeeded, 'every success is kept, no failure');

    for (const batch of ['auto', '1']) {
      const again = specFor(campaign.config);
      again.trial = { ...again.trial, batch: batch === 'auto' ? 'auto' : 1 };
      const counting = countingEvaluator();
      const summary = await runSession(again, counting.evaluate);
      const records = await store.allTrials(again.sessionId);
      assert.equal(counting.calls(), 24 - succeeded, `batch ${batch}: only the failures run again`);
      assert.deepEqual(results(records), results(firstRecords), `batch ${batch}: the same results`);
      assert.deepEqual(summary.best, firstSummary.best);
      const column = cachedColumn(again);
      for (const r of records) {
        assert.equal(r.cached === true, r.status === 'succeeded', `batch ${batch}, trial ${r.trialId}`);
        assert.equal(column.get(r.trialId), r.cached ? '1' : '0');
      }
      const runJson = JSON.parse(fs.readFileSync(path.join(summary.outputDir, 'run.json'), 'utf8')) as { counts: { cached?: number } };
      assert.equal(runJson.counts.cached, succeeded, `batch ${batch}: run.json counts the hits`);
      assert.match(fs.readFileSync(path.join(summary.outputDir, 'summary.md'), 'utf8'), new RegExp(`; ${succeeded} of them from the result cache\\)`));
    }
  });

  test('another commission is another backtest: nothing is reused', async () => {
    await cache.clear();
    const campaign = makeCampaign(`${SMA_GRID}cache: {}\n`);
    await runSession(specFor(campaign.config));
    const other = specFor(campaign.config);
    if (other.evaluator.kind !== 'backtest') throw new Error('a backtest campaign');
    other.evaluator = { ...other.evaluator, commission: 0 };
    const counting = countingEvaluator();
    await runSession(other, counting.evaluate);
    assert.equal(counting.calls(), 24);
    assert.ok((await store.allTrials(other.sessionId)).every((r) => !r.cached));
  });

  test('a session never leaves more than max_entries in the cache', async () => {
    await cache.clear();
    const campaign = makeCampaign(`${SMA_GRID}cache: { max_entries: 5 }\ntrial: { batch: 3 }\nsearch: { parallelism: 1 }\n`);
    const first = specFor(campaign.config);
    await runSession(first);
    assert.equal(await cache.size(), 5);
    const again = specFor(campaign.config);
    const counting = countingEvaluator();
    await runSession(again, counting.evaluate);
    const hits = (await store.allTrials(again.sessionId)).filter((r) => r.cached).length;
    assert.ok(hits <= 5, `${hits} hits from 5 entries`);
    assert.equal(counting.calls(), 24 - hits);
    assert.equal(await cache.size(), 5);
  });
});

describe('ResultCache eviction', { skip: services ? false : SKIP_REASON }, () => {
  const redis = redisClient(services?.redisUrl ?? 'redis://127.0.0.1:1');
  const cache = new ResultCache(redis);
  after(() => redis.disconnect());

  test('evicts the least recently used entries past the bound, a look-up counting as a use', async () => {
    await cache.clear();
    const entry = (key: string) => ({ key, metrics: { sharpe: key.length, trades: null } });
    assert.equal(await cache.store(['a', 'b', 'c'].map(entry), 3), 0);
    assert.deepEqual(await cache.lookUp(['a', 'x']), [{ sharpe: 1, trades: null }, null]);
    assert.equal(await cache.store([entry('dd')], 3), 1);
    assert.deepEqual((await cache.lookUp(['a', 'b', 'c', 'dd'])).map((m) => m !== null), [true, false, true, true]);
    assert.equal(await cache.store(['e', 'f'].map(entry), 2), 3);
    assert.deepEqual((await cache.lookUp(['a', 'c', 'dd', 'e', 'f'])).map((m) => m !== null), [false, false, false, true, true]);
    assert.equal(await cache.size(), 2);
    assert.equal(await cache.clear(), 2);
    assert.deepEqual(await cache.lookUp(['e']), [null]);
  });

  test('tuneflow cache show and cache clear', async () => {
    await cache.clear();
    await cache.store([{ key: 'k1', metrics: { sharpe: 1 } }, { key: 'k2', metrics: { sharpe: 2 } }], 10);
    const env = { REDIS_URL: services!.redisUrl, TEMPORAL_ADDRESS: services!.address };
    const shown = await tuneflow(['cache', 'show', '--json'], env);
    assert.equal(shown.code, 0, shown.stderr);
    const { entries, bytes } = JSON.parse(shown.stdout) as { entries: number; bytes: number };
    assert.equal(entries, 2);
    assert.ok(bytes > 0);
    const cleared = await tuneflow(['cache', 'clear'], env);
    assert.equal(cleared.code, 0, cleared.stderr);
    assert.match(cleared.stdout, /Cleared the result cache at redis:\/\/127\.0\.0\.1:\d+: 2 entries removed\./);
    assert.equal(await cache.size(), 0, 'nothing left behind');
    assert.deepEqual(await cache.lookUp(['k1', 'k2']), [null, null]);
    const bad = await tuneflow(['cache', 'show', '--bogus'], env);
    assert.equal(bad.code, 2);
  });

  test('works on a Redis Cluster: its keys share one slot', async (t) => {
    const cluster = testCluster();
    if ('skip' in cluster) return t.skip(cluster.skip);
    const clusterRedis = redisClient(cluster.clusterUrl);
    try {
      const onCluster = new ResultCache(clusterRedis);
      await onCluster.clear();
      assert.equal(await onCluster.store(['a', 'b', 'c'].map((key) => ({ key, metrics: { sharpe: 1 } })), 2), 1);
      assert.deepEqual((await onCluster.lookUp(['a', 'b', 'c'])).map((m) => m !== null), [false, true, true]);
      assert.equal(await onCluster.clear(), 2);
    } finally {
      clusterRedis.disconnect();
    }
  });
});
