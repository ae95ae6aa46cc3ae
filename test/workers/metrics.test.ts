import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import { describe, it } from 'node:test';
import { runBacktestTrials } from '../../evaluators/backtest';
import { noBacktestPhases, PhaseTally } from '../../evaluators/phases';
import { generateBars, runManySettled } from '../../backtest';
import { InputError } from '../../errors';
import type { TrialRecord } from '../../types/trial';
import { createWorkerMetrics } from '../../workers/metrics';
import { startMetricsServer } from '../../workers/metricsServer';
import { closedPort } from '../helpers/ports';
import { makePoolFixture } from '../evaluators/poolFixtures';

function record(status: TrialRecord['status'], objective: number | null, attempt: number, durationMs: number): TrialRecord {
  return { sessionId: 's', trialId: 1, params: {}, status, metrics: {}, objective, attempt, workerId: 'w', durationMs, finishedAt: '' };
}

/** The value of one sample line of Prometheus text, e.g. `tuneflow_trials_total{status="failed"}`. */
function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  assert.ok(line, `${series} is exported`);
  return Number(line.slice(series.length + 1));
}

describe('worker metrics', () => {
  it('counts trials by final status, retried besides, and times only trials that ran', async () => {
    const { registry, telemetry } = createWorkerMetrics();
    const empty = await registry.metrics();
    for (const status of ['succeeded', 'unranked', 'failed', 'pruned', 'retried']) assert.equal(sample(empty, `tuneflow_trials_total{status="${status}"}`), 0);
    telemetry.trialsSettled([record('succeeded', 1.5, 1, 2), record('succeeded', null, 2, 3), record('failed', null, 3, 1), record('failed', null, 1, 0), record('pruned', null, 1, 1)]);
    telemetry.trialsSettled([record('succeeded', -0.2, 1, 4)]);
    const text = await registry.metrics();
    assert.equal(sample(text, 'tuneflow_trials_total{status="succeeded"}'), 2);
    assert.equal(sample(text, 'tuneflow_trials_total{status="unranked"}'), 1);
    assert.equal(sample(text, 'tuneflow_trials_total{status="failed"}'), 2);
    assert.equal(sample(text, 'tuneflow_trials_total{status="pruned"}'), 1);
    assert.equal(sample(text, 'tuneflow_trials_total{status="retried"}'), 2);
    assert.equal(sample(text, 'tuneflow_trial_duration_seconds_count'), 5, 'the failure without a duration is not timed');
    assert.ok(Math.abs(sample(text, 'tuneflow_trial_duration_seconds_sum') - 0.011) < 1e-12);
    assert.equal(sample(text, 'tuneflow_trial_duration_seconds_bucket{le="0.0025"}'), 3);
    assert.match(text, /^process_cpu_seconds_total /m, 'Node process metrics are there too');
  });

  it('adds batch sizes and phase times in seconds', async () => {
    const { registry, telemetry } = createWorkerMetrics();
    telemetry.batchFinished(64, { load: 10, indicators: 20, simulation: 30, statistics: 40, evaluate: 1, store: 5 });
    telemetry.batchFinished(1, { load: 0, indicators: 0, simulation: 0, statistics: 0, evaluate: 2000, store: 3 });
    const text = await registry.metrics();
    assert.equal(sample(text, 'tuneflow_batch_size_count'), 2);
    assert.equal(sample(text, 'tuneflow_batch_size_sum'), 65);
    assert.equal(sample(text, 'tuneflow_batch_size_bucket{le="1"}'), 1);
    assert.equal(sample(text, 'tuneflow_trial_phase_seconds_total{phase="simulation"}'), 0.03);
    assert.equal(sample(text, 'tuneflow_trial_phase_seconds_total{phase="evaluate"}'), 2.001);
    assert.equal(sample(text, 'tuneflow_trial_phase_seconds_total{phase="store"}'), 0.008);
  });
});

describe('phase tally', () => {
  it('gives what an evaluator did not report to evaluate, so all but store add up to the evaluations', () => {
    const tally = new PhaseTally();
    tally.evaluated(100, { load: 10, indicators: 20, simulation: 30, statistics: 25 });
    tally.evaluated(50);
    tally.evaluated(4, { load: 1, indicators: 1, simulation: 1, statistics: 1.0000001 });
    tally.stored(7);
    assert.deepEqual(tally.rounded(), { load: 11, indicators: 21, simulation: 31, statistics: 26, evaluate: 65, store: 7 });
  });

  it('times the engine per trial: the phases of a batch part lie within the time it took', () => {
    const bars = generateBars({ seed: 3, bars: 3000, interval: '1d', weekends: false, start: '2010-01-04', mu: 0.05, sigma: 0.2, startPrice: 50 });
    const sets = Array.from({ length: 40 }, (_, i) => ({ fast: 5 + i, slow: 60 + 2 * i }));
    const phases = noBacktestPhases();
    const started = performance.now();
    runManySettled(bars, 'sma_crossover', [...sets, { fast: 50, slow: 10 }], { cash: 10_000, commission: 0.001 }, phases);
    const elapsed = performance.now() - started;
    for (const [phase, ms] of Object.entries(phases)) assert.ok(ms > 0, `${phase} took time`);
    const sum = phases.load + phases.indicators + phases.simulation + phases.statistics;
    assert.ok(sum <= elapsed && sum > 0.9 * elapsed, `phases ${sum} ms of ${elapsed} ms`);
  });

  it('adds reading the data to load when a worker runs a batch', () => {
    const fx = makePoolFixture();
    try {
      const spec = { kind: 'backtest' as const, dataPath: fx.dataPath, strategy: 'sma_crossover', cash: 10_000, commission: 0.002 };
      const cold = noBacktestPhases();
      runBacktestTrials(spec, [{ fast: 5, slow: 20 }], cold);
      const warm = noBacktestPhases();
      runBacktestTrials(spec, [{ fast: 5, slow: 20 }], warm);
      assert.ok(cold.load > warm.load, `a first read of the file (${cold.load} ms) costs more than a cached one (${warm.load} ms)`);
    } finally {
      fs.rmSync(fx.dir, { recursive: true, force: true });
    }
  });
});

describe('metrics endpoint', () => {
  it('serves the registry and says when the SDK exporter does not answer; 404 elsewhere; frees its port on close', async () => {
    const { registry, telemetry } = createWorkerMetrics();
    telemetry.trialsSettled([record('succeeded', 1, 1, 1)]);
    const port = await closedPort();
    const server = await startMetricsServer(port, registry);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/metrics`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
      const text = await res.text();
      assert.equal(sample(text, 'tuneflow_trials_total{status="succeeded"}'), 1);
      assert.match(text, /# Temporal SDK metrics unavailable: /, 'no SDK runtime exports in this process');
      assert.match(server.sdkAddress, /^127\.0\.0\.1:\d+$/);
      assert.equal((await fetch(`http://127.0.0.1:${port}/`)).status, 404);
      await assert.rejects(startMetricsServer(port, registry), (err: unknown) => err instanceof InputError && /--metrics-port \d+: the port is in use/.test(err.message));
    } finally {
      await server.close();
    }
    await new Promise<void>((resolve, reject) => {
      const probe = net.createServer().once('error', reject).listen(port, () => probe.close(() => resolve()));
    });
  });
});
