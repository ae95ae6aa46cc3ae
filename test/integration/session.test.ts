import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Context } from '@temporalio/activity';
import { createBacktestEvaluator, type TrialEvaluator, type TrialInput } from '../../evaluators';
import { getStrategy, loadBars, loadCsv, runBacktest } from '../../backtest';
import { RedisTrialStore } from '../../store/redis/trialStore';
import { startOrAttach } from '../../cli/sessionClient';
import { loadSessionSpec } from '../../config/load';
import { PROJECT_ROOT } from '../../services/paths';
import type { SessionSpec, SessionSummary } from '../../types/session';
import { makeCampaign, SMA_GRID } from '../helpers/campaign';
import { replayAndRecord } from '../helpers/replay';
import { connectTestClient, redisClient, SKIP_REASON, testServices, uniqueId, withWorker } from '../helpers/stack';

const services = testServices();

/** The attempt a trial is on: its own inside a batch, the activity's for a single-trial activity. */
function attemptOf(input: TrialInput): number {
  return input.attempt ?? Context.current().info.attempt;
}

describe('tuning session on the real stack', { skip: services ? false : SKIP_REASON }, () => {
  const { address, redisUrl } = services ?? { address: '', redisUrl: '' };
  let client: Awaited<ReturnType<typeof connectTestClient>>;
  const redis = redisClient(redisUrl || 'redis://127.0.0.1:1');
  const store = new RedisTrialStore(redis);
  const sessionsRun: string[] = [];

  before(async () => {
    client = await connectTestClient(address);
  });
  after(async () => {
    redis.disconnect();
    await client.close();
  });

  async function runSession(spec: SessionSpec, evaluate?: TrialEvaluator): Promise<SessionSummary> {
    sessionsRun.push(spec.sessionId);
    return withWorker({ address, redisUrl, taskQueue: spec.taskQueue, evaluate }, async () => {
      const { handle } = await startOrAttach(client.client, spec);
      return handle.result();
    });
  }

  function specFor(config: string, overrides: Parameters<typeof loadSessionSpec>[1] = {}): SessionSpec {
    const sessionId = overrides.sessionId ?? uniqueId('session');
    return { ...loadSessionSpec(config, { ...overrides, sessionId }), taskQueue: uniqueId('tq') };
  }

  test('a session on a Parquet file at a timeframe tunes on the resampled bars, in worker threads', async () => {
    const parquet = path.join(PROJECT_ROOT, 'test', 'fixtures', 'data', 'new_york_15min.parquet');
    const campaign = makeCampaign(SMA_GRID);
    fs.writeFileSync(campaign.config, fs.readFileSync(campaign.config, 'utf8').replace('data: prices.csv', `data: { path: ${parquet}, timeframe: 1h }`));
    const summary = await runSession(specFor(campaign.config));

    const bars = loadBars(parquet, { timeframe: '1h' });
    let bestSharpe = -Infinity;
    for (let fast = 5; fast <= 25; fast += 5) {
      for (let slow = 10; slow <= 60; slow += 10) {
        if (fast >= slow) continue;
        const { metrics } = runBacktest(bars, 'sma_crossover', { fast, slow }, { cash: 10_000, commission: 0.002 });
        if (Number.isFinite(metrics.sharpe)) bestSharpe = Math.max(bestSharpe, metrics.sharpe);
      }
    }
    assert.equal(summary.counts.succeeded, 24);
    assert.equal(summary.best?.objective, bestSharpe);
    const run = JSON.parse(fs.readFileSync(path.join(summary.outputDir, 'run.json'), 'utf8')) as { data_sha256: string };
    assert.equal(run.data_sha256, createHash('sha256').update(fs.readFileSync(parquet)).digest('hex'));
  });

  test('a grid session finds the best of the whole grid evaluated directly and writes its outputs', async () => {
    const campaign = makeCampaign(SMA_GRID);
    const spec = specFor(campaign.config);
    const summary = await runSession(spec);

    const bars = loadCsv(campaign.data);
    const strategy = getStrategy('sma_crossover');
    let bestSharpe = -Infinity;
    let expected = 0;
    for (let fast = 5; fast <= 25; fast += 5) {
      for (let slow = 10; slow <= 60; slow += 10) {
        if (fast >= slow) continue;
        expected += 1;
        const { metrics } = runBacktest(bars, strategy, { fast, slow }, { cash: 10_000, commission: 0.002 });
        if (Number.isFinite(metrics.sharpe)) bestSharpe = Math.max(bestSharpe, metrics.sharpe);
      }
    }
    assert.equal(summary.counts.succeeded, expected);
    assert.equal(summary.counts.failed, 0);
    assert.equal(summary.best?.objective, bestSharpe);
    const direct = runBacktest(bars, strategy, summary.best!.params, { cash: 10_000, commission: 0.002 });
    assert.equal(direct.metrics.sharpe, bestSharpe);

    for (const name of ['best_params.json', 'rankings.csv', 'trials.csv', 'run.json']) {
      assert.ok(fs.existsSync(path.join(summary.outputDir, name)), `${name} written`);
    }
    const best = JSON.parse(fs.readFileSync(path.join(summary.outputDir, 'best_params.json'), 'utf8'));
    assert.deepEqual(best.best[0].params, summary.best!.params);
    const trialsCsv = fs.readFileSync(path.join(summary.outputDir, 'trials.csv'), 'utf8').trim().split('\n');
    assert.equal(trialsCsv.length, expected + 1);
    const run = JSON.parse(fs.readFileSync(path.join(summary.outputDir, 'run.json'), 'utf8'));
    assert.equal(run.seed, 42);
    assert.equal(run.counts.succeeded, expected);
    assert.match(run.versions.temporal_server, /\d+\.\d+/);
  });

  for (const batch of ['1', 'auto']) {
    test(`a flaky evaluation is retried: every trial succeeds, attempts are recorded, nothing counts twice (batch ${batch})`, async () => {
      const campaign = makeCampaign(`${SMA_GRID}trial:\n  batch: ${batch}\n  retry: { initial_interval: 100ms, maximum_attempts: 3 }\n`);
      const spec = specFor(campaign.config);
      const real = createBacktestEvaluator();
      const flaky: TrialEvaluator = async (input, signal) => {
        if (input.trialId % 3 === 0 && attemptOf(input) === 1) throw new Error(`flaky failure of trial ${input.trialId}`);
        return real(input, signal);
      };
      const summary = await runSession(spec, flaky);
      assert.equal(summary.counts.failed, 0);
      assert.equal(await store.countTrials(spec.sessionId), summary.counts.succeeded);
      const records = await store.allTrials(spec.sessionId);
      assert.equal(records.length, spec.search.trials);
      for (const record of records) {
        assert.equal(record.status, 'succeeded');
        assert.equal(record.attempt, record.trialId % 3 === 0 ? 2 : 1, `trial ${record.trialId} attempts`);
      }
    });

    test(`a hung trial times out and is retried (batch ${batch})`, async () => {
      const campaign = makeCampaign(`${SMA_GRID}trial:\n  batch: ${batch}\n  timeout: 2s\n  heartbeat_timeout: 30s\n  retry: { initial_interval: 100ms }\n`);
      const spec = specFor(campaign.config, { trials: 4 });
      const real = createBacktestEvaluator();
      const hangsOnce: TrialEvaluator = async (input, signal) => {
        if (input.trialId === 2 && attemptOf(input) === 1) {
          await new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('cancelled after timeout'))));
        }
        return real(input, signal);
      };
      const summary = await runSession(spec, hangsOnce);
      assert.equal(summary.counts.failed, 0);
      const hung = await store.getTrial(spec.sessionId, 2);
      assert.equal(hung?.status, 'succeeded');
      assert.equal(hung?.attempt, 2);
    });
  }

  test('continue-as-new every few trials gives the same outputs as a session that never does', async () => {
    const body = `${SMA_GRID.replace('objective: sharpe', 'objective: return_pct')}search: { algorithm: random, seed: 9, trials: 21, parallelism: 3 }\n`;
    const plain = makeCampaign(body);
    const chained = makeCampaign(`${body}session: { continue_as_new_every: 5 }\n`);
    const a = await runSession(specFor(plain.config));
    const b = await runSession(specFor(chained.config));
    assert.equal(a.runs, 1);
    assert.ok(b.runs >= 4, `expected at least 4 runs, got ${b.runs}`);
    assert.deepEqual(b.leaderboard, a.leaderboard);
    for (const name of ['rankings.csv', 'best_params.json']) {
      const read = (dir: string) => fs.readFileSync(path.join(dir, name), 'utf8').replaceAll(path.basename(dir), 'SESSION');
      assert.equal(read(b.outputDir), read(a.outputDir), `${name} identical`);
    }
  });

  test('a TPE session runs end to end and its best is the best stored trial', async () => {
    const campaign = makeCampaign(`${SMA_GRID}search: { algorithm: tpe, seed: 5, trials: 20, parallelism: 4, options: { nStartupTrials: 8 } }\n`);
    const spec = specFor(campaign.config);
    const summary = await runSession(spec);
    assert.equal(summary.counts.succeeded + summary.counts.failed, 20);
    const records = await store.allTrials(spec.sessionId);
    assert.equal(records.length, 20);
    const best = Math.max(...records.filter((r) => r.objective !== null).map((r) => r.objective as number));
    assert.equal(summary.best?.objective, best);
    const distinct = new Set(records.map((r) => JSON.stringify(r.params)));
    assert.equal(distinct.size, 20, 'no duplicate in a finite space');
  });

  test('cancelling a session stops its running trials promptly and still writes its outputs', { timeout: 120_000 }, async () => {
    const campaign = makeCampaign(`${SMA_GRID}trial:\n  timeout: 5m\n  heartbeat_timeout: 3s\n`);
    const spec = specFor(campaign.config);
    const aborted: number[] = [];
    let running = 0;
    const hangs: TrialEvaluator = (input, signal) =>
      new Promise((_, reject) => {
        running += 1;
        signal.addEventListener('abort', () => {
          aborted.push(Date.now());
          reject(new Error(`trial ${input.trialId} cancelled`));
        });
      });
    sessionsRun.push(spec.sessionId);
    const outcome = await withWorker({ address, redisUrl, taskQueue: spec.taskQueue, evaluate: hangs, concurrency: spec.search.parallelism }, async () => {
      const { handle } = await startOrAttach(client.client, spec);
      while (running < (spec.search.parallelism ?? 1)) await new Promise((r) => setTimeout(r, 50));
      const cancelledAt = Date.now();
      await handle.cancel();
      const error = await handle.result().then(() => null, (err: unknown) => err);
      return { cancelledAt, error };
    });
    assert.ok(outcome.error, 'the session ends cancelled');
    assert.equal(aborted.length, spec.search.parallelism, 'every running trial was cancelled');
    for (const at of aborted) assert.ok(at - outcome.cancelledAt < 5000, `trial cancelled ${at - outcome.cancelledAt} ms after the request`);
    assert.ok(fs.existsSync(path.join(spec.output.dir, spec.sessionId, 'run.json')), 'outputs written on cancellation');
  });

  test('the shipped Python evaluator example runs as an external command, with a log per trial', async () => {
    const config = path.join(PROJECT_ROOT, 'examples', 'python-evaluator', 'campaign.yaml');
    const outputDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tuneflow-python-'));
    const spec = specFor(config, { trials: 6, outputDir });
    const summary = await runSession(spec);
    assert.equal(summary.counts.succeeded, 6);
    const records = await store.allTrials(spec.sessionId);
    for (const record of records) {
      assert.equal(typeof record.metrics.sharpe, 'number');
      assert.ok(fs.existsSync(path.join(outputDir, spec.sessionId, 'logs', `${record.trialId}.log`)), `log of trial ${record.trialId}`);
    }
    // A command is timed as a whole: its trials' time is evaluate, then store.
    const { time_breakdown: times } = JSON.parse(fs.readFileSync(path.join(outputDir, spec.sessionId, 'run.json'), 'utf8'));
    assert.deepEqual(Object.keys(times.phases).filter((p) => times.phases[p].s > 0).sort(), ['evaluate', 'store']);
  });

  test('the recorded histories of these sessions replay without non-determinism errors', async () => {
    assert.ok(sessionsRun.length > 0);
    await replayAndRecord(client.client, sessionsRun);
  });
});
