import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { WorkflowHandle } from '@temporalio/client';
import { RedisTrialStore } from '../../store/redis/trialStore';
import { startOrAttach } from '../../cli/sessionClient';
import { loadSessionSpec } from '../../config/load';
import { signalAndWait } from '../../services/processes';
import { startWorkerProcess, type WorkerProcess } from '../../harness/workerProcess';
import type { SessionProgress, SessionSpec } from '../../types/session';
import { progressQuery, type tuningSession } from '../../workflows';
import { TuneBudget, TuneState } from '../../workflows/searchAttributes';
import { makeCampaign } from '../helpers/campaign';
import { tuneflow, TUNEFLOW_BIN } from '../helpers/cli';
import { withHome } from '../helpers/localStack';
import { connectTestClient, redisClient, SKIP_REASON, testServices, uniqueId, withWorker } from '../helpers/stack';
import { replayAndRecord } from '../helpers/replay';
import { until } from '../helpers/until';

const services = testServices();

/**
 * A campaign whose trials take `delayMs` each: an external command that sleeps, then reports
 * `sharpe = x / 100`, so a session lasts long enough to be steered while it runs.
 */
function slowCampaign(trials: number, delayMs: number, extra = ''): { dir: string; config: string } {
  const campaign = makeCampaign(`params:
  x: { type: int, low: 1, high: 100000 }
objective: sharpe
search: { algorithm: random, seed: 5, trials: ${trials}, parallelism: 2 }
evaluator:
  command: ["${process.execPath}", "evaluate.js"]
${extra}`);
  fs.writeFileSync(
    path.join(campaign.dir, 'evaluate.js'),
    `let input = '';
process.stdin.on('data', (d) => (input += d));
process.stdin.on('end', () => {
  const request = JSON.parse(input);
  setTimeout(() => console.log(JSON.stringify({ sharpe: request.params.x / 100 })), ${delayMs});
});
`,
  );
  return campaign;
}

const done = (p: SessionProgress) => p.counts.succeeded + p.counts.failed;

/** The first JSON line `tuneflow watch <session> --json` prints; the watch is then interrupted. */
function firstWatchLine(sessionId: string, env: NodeJS.ProcessEnv): Promise<{ state: string; done: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [TUNEFLOW_BIN, 'watch', sessionId, '--json'], { env: { ...process.env, ...env } });
    let out = '';
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.stdout.on('data', (d) => {
      out += d;
      const line = out.split('\n')[0];
      if (out.includes('\n')) {
        child.kill('SIGINT');
        resolve(JSON.parse(line as string) as { state: string; done: number });
      }
    });
    child.on('exit', (code) => reject(new Error(`watch exited (${code}) before a line: ${err}`)));
  });
}
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('steering a running session: pause, resume, extend, stop', { skip: services ? false : SKIP_REASON }, () => {
  const { address, redisUrl } = services ?? { address: '', redisUrl: '' };
  let client: Awaited<ReturnType<typeof connectTestClient>>;
  const redis = redisClient(redisUrl || 'redis://127.0.0.1:1');
  const store = new RedisTrialStore(redis);
  const workers: WorkerProcess[] = [];
  const env = (taskQueue: string) => ({ TEMPORAL_ADDRESS: address, REDIS_URL: redisUrl, TUNEFLOW_TASK_QUEUE: taskQueue });

  before(async () => {
    client = await connectTestClient(address);
  });
  after(async () => {
    await Promise.all(workers.map((w) => signalAndWait(w.child, 'SIGKILL')));
    redis.disconnect();
    await client?.close();
  });

  function specFor(config: string, prefix: string): SessionSpec {
    return { ...loadSessionSpec(config, { sessionId: uniqueId(prefix) }), taskQueue: uniqueId('tq') };
  }

  function startWorker(taskQueue: string): WorkerProcess {
    const worker = startWorkerProcess({ id: uniqueId('control'), taskQueue, address, redisUrl, threads: 1, concurrency: 4 });
    workers.push(worker);
    return worker;
  }

  async function state(handle: WorkflowHandle<typeof tuningSession>): Promise<{ state?: string; budget?: number }> {
    const attributes = (await handle.describe()).typedSearchAttributes;
    return { state: attributes.get(TuneState), budget: attributes.get(TuneBudget) };
  }

  test('pause holds a session through a SIGKILL of its worker; a new worker keeps it paused; resume finishes it', async () => {
    const trials = 30;
    const spec = specFor(slowCampaign(trials, 400).config, 'pause');
    const first = startWorker(spec.taskQueue);
    await first.ready;
    const { handle } = await startOrAttach(client.client, spec);
    await until('two trials are stored', async () => (await store.countTrials(spec.sessionId)) >= 2);

    const paused = await tuneflow(['pause', spec.sessionId], env(spec.taskQueue));
    assert.equal(paused.code, 0, paused.stderr);
    assert.match(paused.stdout, new RegExp(`Session ${spec.sessionId} is paused`));
    await until('the running trials have finished', async () => (await handle.query(progressQuery)).running === 0, 60_000, 200);
    const held = await handle.query(progressQuery);
    assert.equal(held.paused, true);
    assert.ok(done(held) < trials, `paused before the end (${done(held)} of ${trials} done)`);
    assert.equal((await state(handle)).state, 'paused');
    const metadata = await handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata');
    assert.match(metadata.currentDetails ?? '', /^\*\*PAUSED\*\*/, 'the Web UI shows the pause');

    await signalAndWait(first.child, 'SIGKILL');
    const second = startWorker(spec.taskQueue);
    await second.ready;
    await pause(3000);
    const still = await handle.query(progressQuery);
    assert.equal(still.paused, true, 'the new worker rebuilt the session paused');
    assert.equal(done(still), done(held), 'no trial ran while paused');
    assert.equal(await store.countTrials(spec.sessionId), done(held));

    const watched = await firstWatchLine(spec.sessionId, env(spec.taskQueue));
    assert.equal(watched.state, 'PAUSED', 'watch --json says paused');
    assert.equal(watched.done, done(held));

    const again = await tuneflow(['pause', spec.sessionId, '--json'], env(spec.taskQueue));
    assert.equal(again.code, 0, again.stderr);
    assert.equal((JSON.parse(again.stdout) as SessionProgress).paused, true, 'a second pause is acknowledged, state unchanged');

    const resumed = await tuneflow(['resume', spec.sessionId], env(spec.taskQueue));
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.match(resumed.stdout, /runs again/);
    const summary = await handle.result();
    assert.equal(summary.counts.succeeded, trials);
    assert.equal(summary.stoppedBy, 'complete');
    assert.equal(await store.countTrials(spec.sessionId), trials);
    assert.equal((await state(handle)).state, 'completed');

    const late = await tuneflow(['resume', spec.sessionId], env(spec.taskQueue));
    assert.equal(late.code, 2);
    assert.match(late.stderr, /is not running: it ended as COMPLETED/);
    await replayAndRecord(client.client, [spec.sessionId]);
  });

  test('extend raises the budget across continue-as-new, refuses to go below what started, and stop ends early with outputs', async () => {
    const campaign = slowCampaign(16, 300, 'session: { continue_as_new_every: 6 }\n');
    const spec = specFor(campaign.config, 'extend');
    await withWorker({ address, redisUrl, taskQueue: spec.taskQueue, concurrency: 4 }, async () => {
      const { handle } = await startOrAttach(client.client, spec);
      await until('two trials are stored', async () => (await store.countTrials(spec.sessionId)) >= 2);

      const extended = await tuneflow(['extend', spec.sessionId, '--trials', '200', '--timeout', '2h'], env(spec.taskQueue));
      assert.equal(extended.code, 0, extended.stderr);
      assert.match(extended.stdout, /budget 200 trials, deadline \d{4}-/);
      assert.equal((await state(handle)).budget, 200);

      const lower = await tuneflow(['extend', spec.sessionId, '--trials', '1'], env(spec.taskQueue));
      assert.equal(lower.code, 2);
      assert.match(lower.stderr, /has already started \d+ trials; its budget cannot go below that \(asked for 1\)/);
      const noFlag = await tuneflow(['extend', spec.sessionId], env(spec.taskQueue));
      assert.equal(noFlag.code, 2);
      assert.match(noFlag.stderr, /needs --trials N, --timeout DURATION, or both/);
      const badTimeout = await tuneflow(['extend', spec.sessionId, '--timeout', 'soon'], env(spec.taskQueue));
      assert.equal(badTimeout.code, 2);
      assert.match(badTimeout.stderr, /--timeout takes a duration such as 90m, 6h or 2d \(or none\), got "soon"/);

      await until('the session passed its first budget and continued as new twice', async () => {
        const p = await handle.query(progressQuery);
        return done(p) >= 24 && p.runs >= 3;
      }, 120_000, 200);
      const status = await tuneflow(['status', spec.sessionId, '--json'], env(spec.taskQueue));
      assert.equal(status.code, 0, status.stderr);
      assert.equal((JSON.parse(status.stdout) as { progress: SessionProgress }).progress.budget, 200, 'the budget survives continue-as-new');

      const stopped = await tuneflow(['stop', spec.sessionId], env(spec.taskQueue));
      assert.equal(stopped.code, 0, stopped.stderr);
      assert.match(stopped.stdout, /is stopping/);
      const summary = await handle.result();
      assert.equal(summary.stoppedBy, 'stopped');
      assert.ok(summary.counts.succeeded >= 24 && summary.counts.succeeded < 200, `stopped early at ${summary.counts.succeeded}`);
      assert.equal(await store.countTrials(spec.sessionId), summary.counts.succeeded, 'every started trial finished and was stored');
      assert.equal((await state(handle)).state, 'stopped');
      const runJson = JSON.parse(fs.readFileSync(path.join(summary.outputDir, 'run.json'), 'utf8')) as { stopped_by: string };
      assert.equal(runJson.stopped_by, 'stopped');
      assert.ok(fs.existsSync(path.join(summary.outputDir, 'best_params.json')));
    });
    await replayAndRecord(client.client, [spec.sessionId]);
  });
});

describe('a pause survives a restart of the Temporal server', { skip: services ? false : SKIP_REASON }, () => {
  test('SIGKILL of the dev server and of the worker while paused: the restarted stack keeps the session paused, resume finishes it', async () => {
    await withHome(async (home) => {
      const dev = home.run(['dev']);
      const [, redisUrl] = await dev.waitFor(/REDIS_URL=(\S+)/);
      const [, address] = await dev.waitFor(/TEMPORAL_ADDRESS=(\S+)/);
      const taskQueue = uniqueId('tq');
      const sessionId = uniqueId('restart');
      const trials = 20;
      const campaign = slowCampaign(trials, 300);
      const worker = (temporal: string) => {
        const id = uniqueId('w');
        const proc = home.run(['worker', '--worker-id', id, '--threads', '1', '--concurrency', '4'], { TEMPORAL_ADDRESS: temporal, REDIS_URL: redisUrl, TUNEFLOW_TASK_QUEUE: taskQueue });
        return { proc, ready: proc.waitFor(new RegExp(`Worker ${id} polling`)) };
      };
      const status = async (temporal: string) => {
        const shown = await tuneflow(['status', sessionId, '--json'], { TEMPORAL_ADDRESS: temporal, REDIS_URL: redisUrl });
        assert.equal(shown.code, 0, shown.stderr);
        return JSON.parse(shown.stdout) as { status: string; progress: SessionProgress | null; result: { counts: { succeeded: number } } | null };
      };
      const first = worker(address);
      await first.ready;
      const started = home.run(['run', campaign.config, '--session-id', sessionId, '--detach'], { TEMPORAL_ADDRESS: address, REDIS_URL: redisUrl, TUNEFLOW_TASK_QUEUE: taskQueue });
      assert.equal((await started.ended(60_000)).code, 0, started.stderr);
      await until('two trials are done', async () => done((await status(address)).progress!) >= 2, 60_000, 300);
      const paused = await tuneflow(['pause', sessionId], { TEMPORAL_ADDRESS: address, REDIS_URL: redisUrl });
      assert.equal(paused.code, 0, paused.stderr);
      await until('the running trials have finished', async () => (await status(address)).progress!.running === 0, 60_000, 300);
      const held = done((await status(address)).progress!);

      first.proc.child.kill('SIGKILL');
      for (const pid of home.temporalServers()) process.kill(pid, 'SIGKILL');
      await dev.waitFor(/The Temporal dev server \(pid \d+\) has exited/);
      const again = home.run(['dev']);
      const [, restarted] = await again.waitFor(/TEMPORAL_ADDRESS=(\S+)/);
      const second = worker(restarted);
      await second.ready;
      await pause(3000);
      const still = (await status(restarted)).progress!;
      assert.equal(still.paused, true, 'the restarted server and a new worker keep the session paused');
      assert.equal(done(still), held, 'no trial ran while paused');

      const resumed = await tuneflow(['resume', sessionId], { TEMPORAL_ADDRESS: restarted, REDIS_URL: redisUrl });
      assert.equal(resumed.code, 0, resumed.stderr);
      await until('the session completes', async () => (await status(restarted)).status === 'COMPLETED', 120_000, 500);
      assert.equal((await status(restarted)).result?.counts.succeeded, trials);
      second.proc.child.kill('SIGTERM');
      await second.proc.ended(60_000);
      dev.child.kill('SIGINT');
      again.child.kill('SIGINT');
      await Promise.all([dev.ended(60_000), again.ended(60_000)]);
    });
  });
});

describe('a walk-forward session is steered split by split', { skip: services ? false : SKIP_REASON }, () => {
  const { address, redisUrl } = services ?? { address: '', redisUrl: '' };

  test('the parent refuses and names the way; a split takes the order', async () => {
    const campaign = makeCampaign(`strategy: sma_crossover
params:
  fast: { type: int, low: 2, high: 60 }
  slow: { type: int, low: 10, high: 250 }
objective: sharpe
search: { algorithm: random, seed: 3, trials: 100000, parallelism: 8 }
walk_forward: { splits: 2, train: 200, test: 100, concurrency: 1 }
`, { bars: 1200 });
    const taskQueue = uniqueId('tq');
    const sessionId = uniqueId('wf-control');
    const env = { TEMPORAL_ADDRESS: address, REDIS_URL: redisUrl, TUNEFLOW_TASK_QUEUE: taskQueue };
    const connection = await connectTestClient(address);
    try {
      await withWorker({ address, redisUrl, taskQueue }, async () => {
        const spec = { ...loadSessionSpec(campaign.config, { sessionId }), taskQueue };
        const { handle } = await startOrAttach(connection.client, spec);
        await until('the first split runs', async () => (await tuneflow(['status', `${sessionId}/split-1`], env)).code === 0, 60_000, 500);
        const parent = await tuneflow(['pause', sessionId], env);
        assert.equal(parent.code, 2);
        assert.match(parent.stderr, new RegExp(`Session ${sessionId} is a walk-forward session: steer its splits, each a session of its own, e.g. \`tuneflow pause ${sessionId}/split-1\``));
        const split = await tuneflow(['stop', `${sessionId}/split-1`], env);
        assert.equal(split.code, 0, split.stderr);
        assert.match(split.stdout, /is stopping/);
        await tuneflow(['cancel', sessionId], env);
        await handle.result().catch(() => undefined);
      });
    } finally {
      await connection.close();
    }
  });
});

describe('retry-failed runs the failed trials of a completed session again', { skip: services ? false : SKIP_REASON }, () => {
  const { address, redisUrl } = services ?? { address: '', redisUrl: '' };
  const redis = redisClient(redisUrl || 'redis://127.0.0.1:1');
  const store = new RedisTrialStore(redis);
  const env = (taskQueue: string) => ({ TEMPORAL_ADDRESS: address, REDIS_URL: redisUrl, TUNEFLOW_TASK_QUEUE: taskQueue });
  after(() => redis.disconnect());

  /** Trials with x divisible by 3 fail while `outage` exists in the campaign folder. */
  function flakyCampaign(batch: string, continueAsNewEvery: number): { dir: string; config: string; outage: string } {
    const campaign = makeCampaign(`params:
  x: { type: int, low: 1, high: 24 }
objective: sharpe
search: { algorithm: grid, trials: 24, parallelism: 4 }
evaluator:
  command: ["${process.execPath}", "evaluate.js"]
trial:
  batch: ${batch}
  retry: { maximum_attempts: 2, initial_interval: 100ms }
session: { continue_as_new_every: ${continueAsNewEvery} }
`);
    const outage = path.join(campaign.dir, 'outage');
    fs.writeFileSync(outage, '');
    fs.writeFileSync(
      path.join(campaign.dir, 'evaluate.js'),
      `let input = '';
process.stdin.on('data', (d) => (input += d));
process.stdin.on('end', () => {
  const { params } = JSON.parse(input);
  if (params.x % 3 === 0 && require('fs').existsSync(${JSON.stringify(outage)})) {
    console.error('the price feed is down');
    process.exit(1);
  }
  console.log(JSON.stringify({ sharpe: params.x / 10 }));
});
`,
    );
    return { ...campaign, outage };
  }

  // One activity per trial, with continue-as-new every 3 trials, takes the retry through several runs too.
  for (const [batch, continueAsNewEvery] of [['auto', 0], ['1', 3]] as const) {
    test(`failed trials succeed on a new run of the same session; counts and outputs follow (batch: ${batch}, continue-as-new every ${continueAsNewEvery})`, async () => {
      const campaign = flakyCampaign(batch, continueAsNewEvery);
      const taskQueue = uniqueId('tq');
      const sessionId = uniqueId('retry');
      await withWorker({ address, redisUrl, taskQueue }, async () => {
        const first = await tuneflow(['run', campaign.config, '--session-id', sessionId, '--json'], env(taskQueue));
        assert.equal(first.code, 1, first.stderr);
        const failedRun = JSON.parse(first.stdout) as { counts: { succeeded: number; failed: number }; best: { objective: number }; runs: number };
        assert.deepEqual(failedRun.counts, batch === 'auto' ? { succeeded: 16, failed: 8, retried: 8 } : { succeeded: 16, failed: 8 });
        assert.equal(failedRun.best.objective, 2.3);

        fs.rmSync(campaign.outage);
        const retried = await tuneflow(['retry-failed', sessionId, '--json'], env(taskQueue));
        assert.equal(retried.code, 0, retried.stderr);
        assert.match(retried.stderr, new RegExp(`Started a new run of session ${sessionId} that runs its 8 failed trials again`));
        const summary = JSON.parse(retried.stdout) as { counts: { succeeded: number; failed: number }; best: { objective: number; trialId: number }; outputDir: string; runs: number };
        assert.equal(summary.counts.succeeded, 24);
        assert.equal(summary.counts.failed, 0);
        assert.equal(summary.best.objective, 2.4, 'the best is now a trial that had failed');
        if (continueAsNewEvery > 0) assert.ok(summary.runs > failedRun.runs + 1, `the retry continued as new (${failedRun.runs} runs, then ${summary.runs})`);

        const records = await store.allTrials(sessionId);
        assert.equal(records.length, 24);
        assert.ok(records.every((r) => r.status === 'succeeded'));
        const rankings = fs.readFileSync(path.join(summary.outputDir, 'rankings.csv'), 'utf8').trim().split('\n');
        assert.equal(rankings.length, 25, 'rankings.csv is written again with every trial');
        const written = JSON.parse(fs.readFileSync(path.join(summary.outputDir, 'best_params.json'), 'utf8')) as { best: Array<{ params: { x: number } }> };
        assert.equal(written.best[0]?.params.x, 24);

        const status = await tuneflow(['status', sessionId, '--json'], env(taskQueue));
        assert.equal((JSON.parse(status.stdout) as { result: { counts: { failed: number } } }).result.counts.failed, 0);
        const nothing = await tuneflow(['retry-failed', sessionId], env(taskQueue));
        assert.equal(nothing.code, 0, nothing.stderr);
        assert.match(nothing.stderr, /has no failed trials: nothing to run again/);
      });
      const connection = await connectTestClient(address);
      await replayAndRecord(connection.client, [sessionId]).finally(() => connection.close());
    });
  }

  test('an unknown session is refused with exit code 2', async () => {
    const missing = await tuneflow(['retry-failed', uniqueId('nosuch')], env(uniqueId('tq')));
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /No session "nosuch-[0-9a-f]+" on this Temporal server/);
  });
});
