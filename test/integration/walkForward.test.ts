import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { getStrategy, loadCsv, runBacktest } from '../../backtest';
import { createBacktestEvaluator, type TrialEvaluator } from '../../evaluators/index';
import { startOrAttach } from '../../cli/sessionClient';
import { loadSessionSpec } from '../../config/load';
import { progressQuery } from '../../workflows';
import { makeCampaign, SMA_SPLITS } from '../helpers/campaign';
import { replayAndRecord } from '../helpers/replay';
import { RedisTrialStore } from '../../store/redis/trialStore';
import { connectTestClient, redisClient, SKIP_REASON, testServices, uniqueId, withWorker } from '../helpers/stack';

const services = testServices();

describe('walk-forward session on the real stack', { skip: services ? false : SKIP_REASON }, () => {
  const { address, redisUrl } = services ?? { address: '', redisUrl: '' };
  let client: Awaited<ReturnType<typeof connectTestClient>>;
  before(async () => {
    client = await connectTestClient(address);
  });
  after(async () => {
    await client.close();
  });

  test('three splits run as child workflows; OOS windows never overlap and their metrics are direct backtests', async () => {
    const campaign = makeCampaign(
      `${SMA_SPLITS}search: { algorithm: random, seed: 3, trials: 8, parallelism: 4 }
walk_forward: { splits: 3, train: 200, test: 80, top_n: 3, concurrency: 2 }
`,
      { bars: 700 },
    );
    const spec = { ...loadSessionSpec(campaign.config, { sessionId: uniqueId('wf') }), taskQueue: uniqueId('tq') };
    const wf = spec.walkForward!;
    const summary = await withWorker({ address, redisUrl, taskQueue: spec.taskQueue }, async () => {
      const { handle } = await startOrAttach(client.client, spec);
      return handle.result();
    });
    assert.equal(summary.counts.failed, 0);
    assert.equal(summary.counts.succeeded, 3 * 8);

    const tests = wf.splits.map((s) => s.test).sort((a, b) => a.start - b.start);
    for (let i = 1; i < tests.length; i++) assert.ok(tests[i].start >= tests[i - 1].end, 'OOS windows never overlap');
    for (const s of wf.splits) assert.ok(s.train.end <= s.test.start, 'training ends before testing starts');

    for (const s of wf.splits) {
      const child = await client.client.workflow.getHandle(`${spec.sessionId}/split-${s.k}`).describe();
      assert.equal(child.status.name, 'COMPLETED');
    }

    const bars = loadCsv(campaign.data);
    const strategy = getStrategy('sma_crossover');
    const report = JSON.parse(fs.readFileSync(path.join(summary.outputDir, 'walk_forward.json'), 'utf8'));
    assert.equal(report.splits.length, 3);
    for (const split of report.splits) {
      const window = wf.splits.find((s) => s.k === split.split)!;
      const oos = runBacktest(bars, strategy, split.params, { cash: 10_000, commission: 0.001, window: window.test }).metrics;
      const is = runBacktest(bars, strategy, split.params, { cash: 10_000, commission: 0.001, window: window.train }).metrics;
      assert.equal(split.oosObjective, Number.isFinite(oos.sharpe) ? oos.sharpe : null);
      assert.equal(split.oosReturnAnnPct, oos.return_ann_pct);
      assert.equal(split.isReturnAnnPct, is.return_ann_pct);
      if (is.return_ann_pct > 0) assert.equal(split.wfe.value, oos.return_ann_pct / is.return_ann_pct);
      else assert.equal(split.wfe.value, null);
    }
    for (const name of ['splits.csv', 'best_params.json', 'summary.md', 'report.html', 'rankings.csv']) {
      assert.ok(fs.existsSync(path.join(summary.outputDir, name)), `${name} written`);
    }
    const runJson = JSON.parse(fs.readFileSync(path.join(summary.outputDir, 'run.json'), 'utf8'));
    assert.equal(runJson.time_breakdown.trials, 3 * 8, 'where trial time went, over every split');
  });

  test('result constraints hold in every split and are counted in the walk-forward outputs', async () => {
    const campaign = makeCampaign(
      `${SMA_SPLITS}result_constraints: ["trades >= 8"]
search: { algorithm: grid, parallelism: 4 }
walk_forward: { splits: 2, train: 200, test: 80, top_n: 2, concurrency: 2 }
`,
      { bars: 700 },
    );
    const spec = { ...loadSessionSpec(campaign.config, { sessionId: uniqueId('wf-constraints') }), taskQueue: uniqueId('tq') };
    const summary = await withWorker({ address, redisUrl, taskQueue: spec.taskQueue }, async () => (await startOrAttach(client.client, spec)).handle.result());
    const redis = redisClient(redisUrl);
    let broken = 0;
    try {
      const store = new RedisTrialStore(redis);
      for (const k of [1, 2]) {
        for (const t of await store.allTrials(`${spec.sessionId}/split-${k}`)) {
          if (t.status !== 'succeeded' || (t.metrics.trades as number) >= 8) continue;
          broken += 1;
          assert.equal(t.objective, null, `split ${k} trial ${t.trialId} breaks the constraint and is not ranked`);
        }
      }
    } finally {
      redis.disconnect();
    }
    assert.ok(broken > 0, 'some trials break the constraint');
    const written = JSON.parse(fs.readFileSync(path.join(summary.outputDir, 'walk_forward.json'), 'utf8')) as { result_constraints: { trials: number } };
    assert.equal(written.result_constraints.trials, broken);
    assert.match(fs.readFileSync(path.join(summary.outputDir, 'summary.md'), 'utf8'), new RegExp(`${broken} of the \\d+ succeeded trials broke at least one result constraint`));
  });

  test('session.timeout bounds the whole walk-forward session, and its progress names the best leader so far', async () => {
    const campaign = makeCampaign(
      `strategy: sma_crossover
params:
  fast: { type: int, low: 5, high: 20, step: 5 }
  slow: { type: int, low: 20, high: 60, step: 20 }
objective: sharpe
search: { algorithm: random, seed: 3, trials: 40, parallelism: 1 }
session: { timeout: 3s }
walk_forward: { splits: 3, train: 200, test: 80, top_n: 2, concurrency: 1 }
`,
      { bars: 700 },
    );
    const spec = { ...loadSessionSpec(campaign.config, { sessionId: uniqueId('wf-deadline') }), taskQueue: uniqueId('tq') };
    const backtest = createBacktestEvaluator();
    // 200 ms a trial: one split alone could use the whole 3 s, three splits of their own would take 9 s or more.
    const slow: TrialEvaluator = async (input, signal) => {
      await new Promise((r) => setTimeout(r, 200));
      return backtest(input, signal);
    };
    const { summary, progress, history } = await withWorker({ address, redisUrl, taskQueue: spec.taskQueue, evaluate: slow }, async () => {
      const { handle } = await startOrAttach(client.client, spec);
      const result = await handle.result();
      return { summary: result, progress: await handle.query(progressQuery), history: await handle.fetchHistory() };
    });
    // Split results stay in the trial store: the parent's history carries a few numbers per split, so
    // thousands of splits times top_n candidates never approach Temporal's 2 MB payload limit.
    for (const event of history.events ?? []) {
      const payloads = [
        ...(event.activityTaskScheduledEventAttributes?.input?.payloads ?? []),
        ...(event.childWorkflowExecutionCompletedEventAttributes?.result?.payloads ?? []),
      ];
      for (const payload of payloads) assert.ok(!Buffer.from(payload.data ?? []).toString().includes('outOfSample'), 'no candidate metrics in the parent history');
    }
    await replayAndRecord(client.client, [spec.sessionId, ...spec.walkForward!.splits.map((split) => `${spec.sessionId}/split-${split.k}`)]);
    assert.ok(summary.counts.succeeded <= 20, `at most ~3 s of 200 ms trials across all splits, got ${summary.counts.succeeded}`);
    assert.ok(summary.counts.succeeded >= 5);
    assert.ok(progress.best, 'the progress query reports the best in-sample leader');
    assert.ok(Number.isFinite(progress.best.objective));
  });
});
