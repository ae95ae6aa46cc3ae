import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { describe, test } from 'node:test';
import { timeKeys } from '../../store/redis/batchTimes';
import { SLOWEST_KEPT, type TimeBreakdown } from '../../analysis/timeBreakdown';
import { isAlive, signalAndWait } from '../../services/processes';
import { startWorkerProcess } from '../../harness/workerProcess';
import { TRIAL_PHASES } from '../../types/session';
import { tuneflow } from '../helpers/cli';
import { makeCampaign, SMA_GRID } from '../helpers/campaign';
import { closedPort } from '../helpers/ports';
import { redisClient, SKIP_REASON, testServices, uniqueId } from '../helpers/stack';

const services = testServices();

/** The value of one sample line of Prometheus text, e.g. `tuneflow_trials_total{status="failed"}`. */
function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  assert.ok(line, `${series} is exported`);
  return Number(line.slice(series.length + 1));
}

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

/** A finished session's run.json and the sum of its trials' durations (ms) from trials.csv. */
function outputsOf(dir: string): { run: { time_breakdown: TimeBreakdown }; trialMs: number; report: string } {
  const csv = fs.readFileSync(path.join(dir, 'trials.csv'), 'utf8').trim().split('\n');
  const column = csv[0].split(',').indexOf('duration_ms');
  const trialMs = csv.slice(1).reduce((s, row) => s + Number(row.split(',')[column]), 0);
  return { run: JSON.parse(fs.readFileSync(path.join(dir, 'run.json'), 'utf8')), trialMs, report: fs.readFileSync(path.join(dir, 'report.html'), 'utf8') };
}

describe('tuneflow worker --metrics-port', { skip: services ? false : SKIP_REASON, timeout: 240_000 }, () => {
  const { address, redisUrl } = services ?? { address: '', redisUrl: '' };

  test('serves trial counts, batch sizes, phase times and the SDK metrics; sessions write where trial time went; SIGTERM frees the port', async () => {
    const port = await closedPort();
    const taskQueue = uniqueId('tq');
    const worker = startWorkerProcess({ id: uniqueId('metrics'), taskQueue, address, redisUrl, threads: 2, concurrency: 2, metricsPort: port });
    const env = { TEMPORAL_ADDRESS: address, REDIS_URL: redisUrl, TUNEFLOW_TASK_QUEUE: taskQueue };
    const redis = redisClient(redisUrl);
    try {
      await worker.ready;
      // 24 trials in batches (auto), then 24 more as one activity each.
      const batched = makeCampaign(`${SMA_GRID}search: { algorithm: grid, parallelism: 8 }\n`, { bars: 3000 });
      const single = makeCampaign(`${SMA_GRID}search: { algorithm: grid, parallelism: 4 }\ntrial: { batch: 1 }\n`);
      const sessions = [uniqueId('metrics-batched'), uniqueId('metrics-single')];
      for (const [i, campaign] of [batched, single].entries()) {
        const run = await tuneflow(['run', campaign.config, '--session-id', sessions[i], '--json'], env);
        assert.equal(run.code, 0, run.stderr);
      }

      const scrape = await fetch(`http://127.0.0.1:${port}/metrics`);
      assert.equal(scrape.status, 200);
      const text = await scrape.text();
      const settled = ['succeeded', 'unranked', 'failed'].reduce((s, status) => s + sample(text, `tuneflow_trials_total{status="${status}"}`), 0);
      assert.equal(settled, 48, 'every trial the two sessions ran, counted once');
      assert.equal(sample(text, 'tuneflow_trials_total{status="failed"}'), 0);
      assert.equal(sample(text, 'tuneflow_trial_duration_seconds_count'), 48);
      assert.equal(sample(text, 'tuneflow_batch_size_sum'), 48);
      assert.ok(sample(text, 'tuneflow_batch_size_count') >= 25, 'the batched session took at least one activity, the other 24');
      for (const phase of ['load', 'indicators', 'simulation', 'statistics', 'store']) {
        assert.ok(sample(text, `tuneflow_trial_phase_seconds_total{phase="${phase}"}`) > 0, `${phase} has time`);
      }
      assert.match(text, /^temporal_[a-z_]+(\{[^}]*\})? \d/m, 'the Temporal SDK metrics follow');
      assert.doesNotMatch(text, /Temporal SDK metrics unavailable/);

      const [batchedOut, singleOut] = [batched, single].map((c, i) => outputsOf(path.join(c.dir, 'outputs', sessions[i])));
      for (const out of [batchedOut, singleOut]) {
        const t = out.run.time_breakdown;
        assert.deepEqual(Object.keys(t.phases), [...TRIAL_PHASES]);
        assert.equal(t.trials, 24);
        const trialSeconds = TRIAL_PHASES.filter((p) => p !== 'store').reduce((s, p) => s + t.phases[p].s, 0);
        // Every phase but store is a share of the trials' recorded durations; rounding to µs is all that differs.
        assert.ok(Math.abs(trialSeconds * 1000 - out.trialMs) < 0.01 * out.trialMs + 0.05, `phases ${trialSeconds * 1000} ms, trials.csv ${out.trialMs} ms`);
        assert.ok(t.phases.store.s > 0 && t.phases.simulation.s > 0 && t.phases.load.s > 0);
        assert.match(out.report, /<section id="time"><h2>Where trial time goes<\/h2>/);
      }
      assert.equal(singleOut.run.time_breakdown.batches, 24, 'a single-trial activity is a batch of one');
      assert.ok(await redis.zcard(timeKeys.slowest(sessions[1])) <= SLOWEST_KEPT, 'the store keeps a bounded set of slow batches');
    } finally {
      redis.disconnect();
      const exited = new Promise<number | null>((resolve) => worker.child.once('exit', (code) => resolve(code)));
      await signalAndWait(worker.child, 'SIGTERM');
      assert.equal(await exited, 0);
    }
    assert.ok(!isAlive(worker.child.pid!), 'the worker process is gone');
    assert.ok(await refused(port), 'nothing listens on the metrics port any more');
  });

  test('a port in use or out of range ends the worker at once: exit 2, one paragraph naming the flag', async () => {
    const busy = net.createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const port = (busy.address() as net.AddressInfo).port;
    const env = { TEMPORAL_ADDRESS: address, REDIS_URL: redisUrl, TUNEFLOW_TASK_QUEUE: uniqueId('tq') };
    try {
      const taken = await tuneflow(['worker', '--metrics-port', String(port)], env);
      assert.equal(taken.code, 2, taken.stderr);
      assert.equal(taken.stderr.trim(), `tuneflow: --metrics-port ${port}: the port is in use on this machine; stop what listens there or choose another port.`);
      for (const bad of ['0', '65536', 'http', '']) {
        const result = await tuneflow(['worker', '--metrics-port', bad], env);
        assert.equal(result.code, 2, result.stderr);
        assert.match(result.stderr, new RegExp(`--metrics-port takes a TCP port from 1 to 65535, got "${bad}"`));
      }
    } finally {
      await new Promise<void>((resolve) => busy.close(() => resolve()));
    }
  });
});
