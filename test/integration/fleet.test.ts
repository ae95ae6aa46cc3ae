import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { WorkflowNotFoundError, type WorkflowHandle } from '@temporalio/client';
import { RedisTrialStore } from '../../store/redis/trialStore';
import { WorkerStatsStore } from '../../store/redis/workerStats';
import { startOrAttach } from '../../cli/sessionClient';
import { loadSessionSpec } from '../../config/load';
import { signalAndWait } from '../../services/processes';
import { runningActivities, scheduledTrials } from '../../harness/trialActivities';
import { startWorkerProcess, type WorkerProcess } from '../../harness/workerProcess';
import type { SessionSpec } from '../../types/session';
import { makeCampaign } from '../helpers/campaign';
import { until } from '../helpers/until';
import { connectTestClient, redisClient, SKIP_REASON, testServices, uniqueId, withWorker } from '../helpers/stack';

const services = testServices();


function sigkill(worker: WorkerProcess): Promise<void> {
  return signalAndWait(worker.child, 'SIGKILL');
}

/** The trial ids of the evaluateTrial activities with these activity ids, from the run's history. */
async function trialIdsOf(handle: WorkflowHandle, activityIds: Set<string>): Promise<number[]> {
  const scheduled = [...scheduledTrials((await handle.fetchHistory()).events).values()];
  return scheduled.filter((s) => activityIds.has(s.activityId)).map((s) => s.trialId);
}

describe('a fleet of worker processes survives a killed worker', { skip: services ? false : SKIP_REASON }, () => {
  const { address, redisUrl } = services ?? { address: '', redisUrl: '' };
  let client: Awaited<ReturnType<typeof connectTestClient>>;
  const redis = redisClient(redisUrl || 'redis://127.0.0.1:1');
  const store = new RedisTrialStore(redis);
  const workers: WorkerProcess[] = [];

  // Two trials per worker against a parallelism of 8 keep trials waiting in the task queue, so a worker that
  // joins late finds work there instead of the worker that holds the session taking every trial eagerly.
  function startWorker(name: string, taskQueue: string): WorkerProcess {
    const id = uniqueId(name);
    const worker = startWorkerProcess({ id, taskQueue, address, redisUrl, threads: 1, concurrency: 2 });
    workers.push(worker);
    return worker;
  }

  before(async () => {
    client = await connectTestClient(address);
  });
  after(async () => {
    await Promise.all(workers.map(sigkill));
    redis.disconnect();
    await client?.close();
  });

  function specFor(config: string, prefix: string): SessionSpec {
    return { ...loadSessionSpec(config, { sessionId: uniqueId(prefix) }), taskQueue: uniqueId('tq') };
  }

  // One activity per trial, so the trials lost with the worker can be read from the server's pending activities;
  // batches lost with a worker are covered by the batch tests.
  test('SIGKILL of one of two workers mid-run: every trial stored once, same best as an undisturbed run, a late third worker takes trials', async (t) => {
    const trials = 300;
    const campaign = makeCampaign(
      `strategy: sma_crossover
backtest: { cash: 10000, commission: 0.002 }
params:
  fast: { type: int, low: 2, high: 60 }
  slow: { type: int, low: 10, high: 250 }
constraints: ["fast < slow"]
objective: sharpe
search: { algorithm: random, seed: 17, trials: ${trials}, parallelism: 8, mode: ordered }
trial:
  batch: 1
  heartbeat_timeout: 2s
  retry: { initial_interval: 200ms }
`,
      { bars: 50_000 },
    );
    const spec = specFor(campaign.config, 'fleet');
    const reference = specFor(campaign.config, 'fleet-ref');

    const a = startWorker('fleet-a', spec.taskQueue);
    const b = startWorker('fleet-b', spec.taskQueue);
    await Promise.all([a.ready, b.ready]);
    const started = performance.now();
    const { handle } = await startOrAttach(client.client, spec);

    await until('a third of the trials are stored', async () => (await store.countTrials(spec.sessionId)) >= trials / 3);
    // The victim holds the session workflow (its sticky worker, the one that completed the last workflow task)
    // and runs trials, so the kill loses both; the session then stalls until the server gives the workflow to
    // another worker, long enough for the third worker to start and find work.
    const events = (await handle.fetchHistory()).events ?? [];
    const holder = [...events].reverse().find((e) => e.workflowTaskCompletedEventAttributes)?.workflowTaskCompletedEventAttributes?.identity;
    const victim = [a, b].find((w) => w.id === holder);
    assert.ok(victim, `the session is held by one of the two workers, not ${holder}`);
    // Both of its trial slots busy: a single trial could finish between this look and the kill.
    await until('the holder runs two trials', async () => {
      const { raw } = await handle.describe();
      return runningActivities(raw.pendingActivities, victim.id).length >= 2;
    }, 60_000, 0);
    await sigkill(victim);
    const storedAtKill = await store.countTrials(spec.sessionId);
    // What the server still sees running on the dead worker is lost for sure and must run again elsewhere.
    const atKill = await handle.describe();
    const lostActivities = new Set(runningActivities(atKill.raw.pendingActivities, victim.id).flatMap((p) => (p.activityId ? [p.activityId] : [])));
    const c = startWorker('fleet-c', spec.taskQueue);
    assert.ok(storedAtKill < trials, `the worker was killed mid-run (${storedAtKill} of ${trials} stored)`);

    const summary = await handle.result();
    assert.equal(summary.counts.failed, 0);
    assert.equal(summary.counts.succeeded, trials);

    assert.equal(await store.countTrials(spec.sessionId), trials, 'the index holds each trial id once');
    const records = await store.allTrials(spec.sessionId);
    assert.deepEqual(
      records.map((r) => r.trialId),
      Array.from({ length: trials }, (_, i) => i + 1),
    );
    for (const record of records) assert.equal(record.status, 'succeeded', `trial ${record.trialId}`);

    const fleetDone = performance.now();
    const undisturbed = await withWorker({ address, redisUrl, taskQueue: reference.taskQueue }, async () => {
      const run = await startOrAttach(client.client, reference);
      return run.handle.result();
    });
    assert.ok(summary.best && undisturbed.best);
    assert.equal(summary.best.objective, undisturbed.best.objective);
    assert.deepEqual(summary.best.params, undisturbed.best.params);
    assert.deepEqual(summary.leaderboard, undisturbed.leaderboard);

    await c.ready;
    const third = (await new WorkerStatsStore(redis).list()).find((w) => w.workerId === c.id);
    assert.ok(third && third.trialsDone > 0, `the third worker ran trials: ${JSON.stringify(third)}`);
    const lost = await trialIdsOf(client.client.workflow.getHandle(spec.sessionId, atKill.runId), lostActivities);
    for (const trialId of lost) {
      const record = records[trialId - 1];
      assert.ok(record.attempt > 1 && record.workerId !== victim.id, `lost trial ${trialId} ran again elsewhere: ${JSON.stringify(record)}`);
    }
    const retried = records.filter((r) => r.attempt > 1).length;
    t.diagnostic(
      `killed at ${storedAtKill}/${trials} stored, losing trials ${JSON.stringify(lost)}; ${retried} trials retried; the third worker ran ${third.trialsDone}; ` +
        `fleet session ${((fleetDone - started) / 1000).toFixed(1)} s, undisturbed ${((performance.now() - fleetDone) / 1000).toFixed(1)} s`,
    );
  });

  test('SIGKILL of the only worker while walk-forward splits run: a new worker finishes every split once', async (t) => {
    const trials = 40;
    const campaign = makeCampaign(
      `strategy: sma_crossover
backtest: { cash: 10000, commission: 0.001 }
params:
  fast: { type: int, low: 5, high: 20 }
  slow: { type: int, low: 20, high: 60 }
constraints: ["fast < slow"]
objective: sharpe
search: { algorithm: random, seed: 3, trials: ${trials}, parallelism: 4 }
walk_forward: { splits: 3, train: 200, test: 80, top_n: 3, concurrency: 2 }
trial:
  heartbeat_timeout: 2s
  retry: { initial_interval: 200ms }
`,
      { bars: 700 },
    );
    const spec = specFor(campaign.config, 'fleet-wf');
    const splitIds = spec.walkForward!.splits.map((s) => `${spec.sessionId}/split-${s.k}`);

    const first = startWorker('fleet-wf-a', spec.taskQueue);
    await first.ready;
    const { handle } = await startOrAttach(client.client, spec);
    await until('split 1 runs', async () => {
      try {
        return (await client.client.workflow.getHandle(splitIds[0]).describe()).status.name === 'RUNNING';
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return false;
        throw err;
      }
    });
    // A few stored trials mean the split's trials are in flight, not merely scheduled, when the worker dies.
    await until('split 1 has stored a few trials', async () => (await store.countTrials(splitIds[0])) >= 4);
    await sigkill(first);
    const storedAtKill = await store.countTrials(splitIds[0]);
    assert.ok(storedAtKill < trials, `split 1 was still tuning when its worker died (${storedAtKill} of ${trials} stored)`);
    startWorker('fleet-wf-b', spec.taskQueue);
    t.diagnostic(`killed with ${storedAtKill}/${trials} trials of split 1 stored`);

    const summary = await handle.result();
    assert.equal(summary.counts.failed, 0);
    assert.equal(summary.counts.succeeded, 3 * trials);
    for (const id of splitIds) {
      assert.equal((await client.client.workflow.getHandle(id).describe()).status.name, 'COMPLETED', id);
      assert.equal(await store.countTrials(id), trials, `${id} stored each of its trials once`);
    }
    const report = JSON.parse(fs.readFileSync(path.join(summary.outputDir, 'walk_forward.json'), 'utf8')) as { splits: Array<{ split: number }> };
    assert.deepEqual(
      report.splits.map((s) => s.split).sort((x, y) => x - y),
      spec.walkForward!.splits.map((s) => s.k),
    );
  });
});
