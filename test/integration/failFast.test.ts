import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { WorkflowFailedError } from '@temporalio/client';
import type { TrialEvaluator } from '../../evaluators/index';
import { startOrAttach } from '../../cli/sessionClient';
import { loadSessionSpec } from '../../config/load';
import { startWorkerProcess, type WorkerProcess } from '../../harness/workerProcess';
import type { SessionSpec, SessionSummary } from '../../types/session';
import { makeCampaign, SMA_GRID } from '../helpers/campaign';
import { replayAndRecord } from '../helpers/replay';
import { connectTestClient, SKIP_REASON, testServices, uniqueId, withWorker } from '../helpers/stack';

const services = testServices();

/** Rejects when `promise` has not settled within `ms`: these sessions used to retry forever. */
function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} did not end within ${ms} ms`)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const MODULE = `module.exports = {
  name: 'user_sma', description: 'SMA crossover from a module',
  params: { fast: { type: 'int', default: 5, min: 2, max: 100, description: '' }, slow: { type: 'int', default: 20, min: 3, max: 300, description: '' } },
  lookback: (p) => p.slow,
  signals(ind, p, out) {
    const c = ind.bars.close;
    let f = 0, s = 0;
    for (let i = 0; i < c.length; i++) {
      f += c[i] - (i >= p.fast ? c[i - p.fast] : 0);
      s += c[i] - (i >= p.slow ? c[i - p.slow] : 0);
      if (i >= p.slow) out[i] = f / p.fast > s / p.slow ? 1 : 2;
    }
  },
};
`;

describe('permanent errors end a session at once with a message', { skip: services ? false : SKIP_REASON }, () => {
  const { address, redisUrl } = services ?? { address: '', redisUrl: '' };
  let client: Awaited<ReturnType<typeof connectTestClient>>;
  const workers: WorkerProcess[] = [];
  before(async () => {
    client = await connectTestClient(address);
  });
  after(async () => {
    for (const w of workers) w.child.kill('SIGKILL');
    await client.close();
  });

  function specFor(config: string): SessionSpec {
    return { ...loadSessionSpec(config, { sessionId: uniqueId('fast') }), taskQueue: uniqueId('tq') };
  }

  const sessionsRun: string[] = [];

  async function run(spec: SessionSpec, evaluate?: TrialEvaluator): Promise<SessionSummary> {
    sessionsRun.push(spec.sessionId);
    return withWorker({ address, redisUrl, taskQueue: spec.taskQueue, evaluate }, async () => {
      const { handle } = await startOrAttach(client.client, spec);
      return handle.result();
    });
  }

  for (const batch of [1, 2]) {
  test(`a session deadline that passes while every trial slot is busy drains and finishes (batch ${batch})`, async () => {
    const campaign = makeCampaign(`${SMA_GRID}search: { algorithm: grid, parallelism: 2 }\nsession: { timeout: 1s }\ntrial: { batch: ${batch} }\n`);
    const spec = specFor(campaign.config);
    // Both slots are still busy when the deadline passes, and stay busy for a while after it.
    const slow: TrialEvaluator = async () => {
      await new Promise((r) => setTimeout(r, 2500));
      return { sharpe: 1 };
    };
    const summary = await within(30_000, 'the session', run(spec, slow));
    assert.equal(summary.stoppedBy, 'deadline');
    assert.equal(summary.counts.succeeded, 2);
  });
  }

  test('outputs that cannot be written (a file where the output folder should be) fail the session instead of retrying', async () => {
    const campaign = makeCampaign(SMA_GRID);
    const blocker = path.join(campaign.dir, 'not-a-folder');
    fs.writeFileSync(blocker, '');
    // A worker whose file system differs from where the session was checked: only the aggregation can tell.
    const spec = { ...specFor(campaign.config), output: { dir: blocker, topN: 5 } };
    const err = await within(60_000, 'the session', run(spec)).then(
      () => assert.fail('the session must fail'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof WorkflowFailedError, String(err));
    const message = `${err.cause?.message ?? ''} ${(err.cause?.cause as Error | undefined)?.message ?? ''}`;
    assert.match(message, /could not be written.*ENOTDIR|ENOTDIR.*could not be written/s);
    assert.match(message, /trial store/);
  });

  test('parameters the evaluator never saw (x, y on an SMA strategy) still aggregate: the report says why the equity is not drawn', async () => {
    const campaign = makeCampaign(SMA_GRID);
    const base = specFor(campaign.config);
    const spec: SessionSpec = {
      ...base,
      search: { ...base.search, algorithm: 'random', space: { x: { type: 'float', low: 0, high: 1 }, y: { type: 'float', low: 0, high: 1 } }, constraints: [], trials: 6, parallelism: 2 },
    };
    const trivial: TrialEvaluator = async (input) => ({ sharpe: -((Number(input.params.x) - 0.3) ** 2) });
    const summary = await within(60_000, 'the session', run(spec, trivial));
    assert.equal(summary.counts.succeeded, 6);
    const report = fs.readFileSync(path.join(summary.outputDir, 'report.html'), 'utf8');
    assert.match(report, /Not drawn: .*x/);
  });

  test('a strategy module a fleet worker cannot load stops the session with the reason, well before the trial budget', async () => {
    const campaign = makeCampaign(`strategy: { name: user_sma, module: ./user_sma.js }
params:
  fast: { type: int, low: 5, high: 20, step: 5 }
  slow: { type: int, low: 30, high: 60, step: 10 }
objective: sharpe
search: { algorithm: grid, parallelism: 2 }
trial: { retry: { initial_interval: 100ms, maximum_attempts: 3 } }
`);
    const module = path.join(campaign.dir, 'user_sma.js');
    fs.writeFileSync(module, MODULE);
    const spec = specFor(campaign.config);
    fs.rmSync(module);
    const err = await within(60_000, 'the session', run(spec)).then(
      () => assert.fail('the session must fail'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof WorkflowFailedError);
    assert.match(err.cause?.message ?? '', /cannot run: .*user_sma\.js: strategy module not found/);
  });

  test('a strategy module on a separate worker process serves trials, aggregation and walk-forward evaluation', async () => {
    const campaign = makeCampaign(
      `strategy: { name: user_sma, module: ./user_sma.js }
params:
  fast: { type: int, low: 5, high: 20, step: 5 }
  slow: { type: int, low: 30, high: 60, step: 10 }
objective: sharpe
search: { algorithm: random, seed: 5, trials: 6, parallelism: 3 }
walk_forward: { splits: 2, train: 200, test: 80, top_n: 2, concurrency: 2 }
`,
      { bars: 600 },
    );
    fs.writeFileSync(path.join(campaign.dir, 'user_sma.js'), MODULE);
    const spec = specFor(campaign.config);
    const worker = startWorkerProcess({ id: uniqueId('module-worker'), taskQueue: spec.taskQueue, address, redisUrl, threads: 1, concurrency: 4 });
    workers.push(worker);
    await worker.ready;
    const { handle } = await startOrAttach(client.client, spec);
    const summary = await within(90_000, 'the walk-forward session', handle.result());
    assert.equal(summary.counts.failed, 0);
    assert.equal(summary.counts.succeeded, 12);
    const wf = JSON.parse(fs.readFileSync(path.join(summary.outputDir, 'walk_forward.json'), 'utf8')) as { splits: unknown[] };
    assert.equal(wf.splits.length, 2);
  });

  test('the histories of these sessions, failed ones included, replay without non-determinism errors', async () => {
    assert.ok(sessionsRun.length >= 4);
    await replayAndRecord(client.client, sessionsRun);
  });
});
