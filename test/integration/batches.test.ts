import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { WorkflowHandle } from '@temporalio/client';
import { createBacktestEvaluator, type TrialEvaluator } from '../../evaluators/index';
import { RedisTrialStore } from '../../store/redis/trialStore';
import { startOrAttach } from '../../cli/sessionClient';
import { loadSessionSpec } from '../../config/load';
import { signalAndWait } from '../../services/processes';
import { runningActivities } from '../../harness/trialActivities';
import { startWorkerProcess, type WorkerProcess } from '../../harness/workerProcess';
import type { SessionSpec, SessionSummary } from '../../types/session';
import { trialIssuesQuery } from '../../workflows/trialLoop';
import { makeCampaign, SMA_GRID, smaSpace } from '../helpers/campaign';
import { replayAndRecord } from '../helpers/replay';
import { until } from '../helpers/until';
import { connectTestClient, redisClient, SKIP_REASON, testServices, uniqueId, withWorker } from '../helpers/stack';

const services = testServices();


/** The events in a session's history (one run). */
async function historyLength(handle: WorkflowHandle): Promise<number> {
  return (await handle.fetchHistory()).events?.length ?? 0;
}

/** An ordered TPE search whose proposals depend on every result fed back: any reordering shows. */
const TPE = smaSpace({
  fast: [2, 40],
  slow: [10, 120],
  commission: 0.001,
  rest: 'search: { algorithm: tpe, seed: 11, trials: 72, parallelism: 16, mode: ordered, options: { nStartupTrials: 16 } }\n',
});

describe('batched trial activities', { skip: services ? false : SKIP_REASON }, () => {
  const { address, redisUrl } = services ?? { address: '', redisUrl: '' };
  let client: Awaited<ReturnType<typeof connectTestClient>>;
  const redis = redisClient(redisUrl || 'redis://127.0.0.1:1');
  const store = new RedisTrialStore(redis);
  const workers: WorkerProcess[] = [];

  before(async () => {
    client = await connectTestClient(address);
  });
  after(async () => {
    await Promise.all(workers.map((w) => signalAndWait(w.child, 'SIGKILL')));
    redis.disconnect();
    await client?.close();
  });

  const sessionsRun: string[] = [];

  function specFor(config: string, overrides: Parameters<typeof loadSessionSpec>[1] = {}): SessionSpec {
    const spec = { ...loadSessionSpec(config, { ...overrides, sessionId: uniqueId('batch') }), taskQueue: uniqueId('tq') };
    sessionsRun.push(spec.sessionId);
    return spec;
  }

  async function runSession(spec: SessionSpec, evaluate?: TrialEvaluator): Promise<{ summary: SessionSummary; handle: WorkflowHandle }> {
    return withWorker({ address, redisUrl, taskQueue: spec.taskQueue, evaluate }, async () => {
      const { handle } = await startOrAttach(client.client, spec);
      return { summary: await handle.result(), handle };
    });
  }

  test('in ordered mode the same trials and best come out for batch sizes 1, 7, 64 and auto', async () => {
    const outcomes: Array<{ batch: string; params: string[]; best: SessionSummary['best'] }> = [];
    for (const batch of ['1', '7', '64', 'auto']) {
      const spec = specFor(makeCampaign(`${TPE}trial: { batch: ${batch} }\n`).config);
      const { summary } = await runSession(spec);
      assert.equal(summary.counts.failed, 0, `batch ${batch}`);
      const records = await store.allTrials(spec.sessionId);
      outcomes.push({ batch, params: records.map((r) => `${r.trialId}:${JSON.stringify(r.params)}`), best: summary.best });
    }
    const [first, ...others] = outcomes;
    assert.equal(first.params.length, 72);
    for (const other of others) {
      assert.deepEqual(other.params, first.params, `batch ${other.batch} proposes what batch 1 proposes`);
      assert.deepEqual(other.best, first.best, `batch ${other.batch} finds the best batch 1 finds`);
    }
  });

  test('an invalid and a flaky trial inside one batch fail and retry on their own; their neighbours succeed once', async () => {
    // No constraint: sets with fast >= slow are invalid for the strategy and fail without a retry.
    const campaign = makeCampaign(
      `${SMA_GRID.replace('constraints: ["fast < slow"]\n', '')}search: { algorithm: grid, parallelism: 30 }\ntrial: { batch: 30, retry: { initial_interval: 50ms, maximum_attempts: 3 } }\n`,
    );
    const spec = specFor(campaign.config);
    const real = createBacktestEvaluator();
    const calls = new Map<number, number>();
    const flaky: TrialEvaluator = async (input, signal) => {
      calls.set(input.trialId, (calls.get(input.trialId) ?? 0) + 1);
      if (input.trialId === 3 && input.attempt === 1) throw new Error('flaky failure of trial 3');
      return real(input, signal);
    };
    const { summary, issues } = await withWorker({ address, redisUrl, taskQueue: spec.taskQueue, evaluate: flaky }, async () => {
      const { handle } = await startOrAttach(client.client, spec);
      const result = await handle.result();
      // A finished session still answers queries (a worker replays it).
      return { summary: result, issues: await handle.query(trialIssuesQuery) };
    });
    const records = await store.allTrials(spec.sessionId);
    assert.equal(records.length, 30);
    const invalid = records.filter((r) => Number(r.params.fast) >= Number(r.params.slow));
    assert.ok(invalid.length > 0);
    for (const r of invalid) {
      assert.equal(r.status, 'failed', `trial ${r.trialId}`);
      assert.equal(r.attempt, 1, `an invalid trial is not retried: trial ${r.trialId}`);
      assert.match(r.error ?? '', /^InvalidParameters: /);
      assert.equal(calls.get(r.trialId), 1);
    }
    const valid = records.filter((r) => Number(r.params.fast) < Number(r.params.slow));
    for (const r of valid) {
      assert.equal(r.status, 'succeeded', `trial ${r.trialId}: ${r.error}`);
      assert.equal(r.attempt, r.trialId === 3 ? 2 : 1, `trial ${r.trialId} attempts`);
      assert.equal(calls.get(r.trialId), r.attempt, `trial ${r.trialId} evaluations`);
    }
    assert.equal(summary.counts.failed, invalid.length);
    assert.equal(summary.counts.succeeded, valid.length);
    assert.equal(summary.counts.retried, 1);
    assert.ok(issues.some((i) => i.trialId === 3 && i.attempts === 2 && !i.error), JSON.stringify(issues));
    assert.ok(issues.some((i) => i.error?.startsWith('InvalidParameters')), JSON.stringify(issues));
  });

  test('invalid parameter sets in a batch of built-in backtests on the thread pool fail alone', async () => {
    const campaign = makeCampaign(`${SMA_GRID.replace('constraints: ["fast < slow"]\n', '')}search: { algorithm: grid, parallelism: 30 }\ntrial: { batch: 30 }\n`);
    const spec = specFor(campaign.config);
    const { summary } = await runSession(spec);
    const records = await store.allTrials(spec.sessionId);
    assert.equal(records.length, 30);
    for (const r of records) {
      const ok = Number(r.params.fast) < Number(r.params.slow);
      assert.equal(r.status, ok ? 'succeeded' : 'failed', `trial ${r.trialId}: ${r.error}`);
      assert.equal(r.attempt, 1);
    }
    assert.equal(summary.counts.succeeded, 24);
  });

  test('history per trial drops more than 20x at batch 64', async () => {
    const body = TPE.replace(/search: .*\n/, 'search: { algorithm: random, seed: 5, trials: 256, parallelism: 128 }\n');
    const single = makeCampaign(`${body}trial: { batch: 1 }\n`);
    const batched = makeCampaign(`${body}trial: { batch: 64 }\n`);
    const a = specFor(single.config);
    const b = specFor(batched.config);
    const one = await runSession(a);
    const many = await runSession(b);
    assert.equal(one.summary.runs, 1);
    assert.equal(many.summary.runs, 1);
    assert.equal(many.summary.counts.succeeded, 256);
    const perTrialOne = (await historyLength(one.handle)) / 256;
    const perTrialMany = (await historyLength(many.handle)) / 256;
    assert.ok(perTrialOne / perTrialMany >= 20, `${perTrialOne.toFixed(2)} events per trial at batch 1, ${perTrialMany.toFixed(3)} at batch 64`);
    assert.deepEqual(many.summary.best, one.summary.best);
  });

  test('kill -9 of a worker mid-batch: no stored trial is evaluated again, none is lost', async (t) => {
    const trials = 60;
    const campaign = makeCampaign(`params:
  fast: { type: int, low: 2, high: 60 }
  slow: { type: int, low: 10, high: 250 }
objective: sharpe
search: { algorithm: random, seed: 23, trials: ${trials}, parallelism: 24 }
evaluator:
  command: ["${process.execPath}", "evaluate.js"]
trial:
  batch: 12
  heartbeat_timeout: 2s
  retry: { initial_interval: 100ms }
`);
    // Each evaluation appends its trial id to a log, so evaluations are counted across worker processes.
    const log = path.join(campaign.dir, 'evaluations.log');
    fs.writeFileSync(
      path.join(campaign.dir, 'evaluate.js'),
      `const fs = require('fs');
let input = '';
process.stdin.on('data', (d) => (input += d));
process.stdin.on('end', () => {
  const request = JSON.parse(input);
  fs.appendFileSync(${JSON.stringify(log)}, request.trial_id + '\\n');
  setTimeout(() => console.log(JSON.stringify({ sharpe: request.params.fast / request.params.slow })), 150);
});
`,
    );
    const spec = specFor(campaign.config);
    const evaluations = () => (fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n').filter(Boolean).map(Number) : []);
    const start = (name: string) => {
      const worker = startWorkerProcess({ id: uniqueId(name), taskQueue: spec.taskQueue, address, redisUrl, threads: 1, concurrency: 2 });
      workers.push(worker);
      return worker;
    };
    const victim = start('batch-a');
    await victim.ready;
    const { handle } = await startOrAttach(client.client, spec);
    await until('a batch is half done on the worker', async () => {
      const stored = await store.countTrials(spec.sessionId);
      const { raw } = await handle.describe();
      return stored >= 6 && stored % 12 >= 4 && runningActivities(raw.pendingActivities, victim.id).length > 0;
    });
    await signalAndWait(victim.child, 'SIGKILL');
    const storedAtKill = new Set((await store.allTrials(spec.sessionId)).map((r) => r.trialId));
    const evaluatedAtKill = evaluations().length;
    start('batch-b');

    const summary = await handle.result();
    assert.equal(summary.counts.succeeded, trials);
    assert.equal(summary.counts.failed, 0);
    const records = await store.allTrials(spec.sessionId);
    assert.deepEqual(records.map((r) => r.trialId), Array.from({ length: trials }, (_, i) => i + 1), 'every trial stored once');
    const counts = new Map<number, number>();
    for (const id of evaluations()) counts.set(id, (counts.get(id) ?? 0) + 1);
    for (const id of storedAtKill) assert.equal(counts.get(id), 1, `trial ${id} was stored before the kill and evaluated once`);
    const twice = [...counts].filter(([, n]) => n > 1).map(([id]) => id);
    // Only what ran at the moment of the kill runs again: two trials at a time in each of two batches.
    assert.ok(twice.length <= 4, `evaluated twice: ${JSON.stringify(twice)}`);
    for (const id of twice) assert.ok(!storedAtKill.has(id));
    t.diagnostic(`killed with ${storedAtKill.size}/${trials} stored and ${evaluatedAtKill} evaluations; ${twice.length} trials ran again`);
  });

  test('the recorded histories of these sessions replay without non-determinism errors', async () => {
    assert.ok(sessionsRun.length > 0);
    await replayAndRecord(client.client, sessionsRun);
  });
});
