import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { getStrategy, loadCsv, runBacktest } from '../../backtest';
import { loadSessionSpec } from '../../config/load';
import { tuneflow } from '../helpers/cli';
import { makeCampaign, SMA_SPLITS } from '../helpers/campaign';
import { replayAndRecord } from '../helpers/replay';
import { connectTestClient, SKIP_REASON, testServices, uniqueId, withWorker } from '../helpers/stack';

const services = testServices();

describe('a walk-forward session with a holdout, run as a user runs it', { skip: services ? false : SKIP_REASON }, () => {
  const { address, redisUrl } = services ?? { address: '', redisUrl: '' };
  const env = (taskQueue: string) => ({ TEMPORAL_ADDRESS: address, REDIS_URL: redisUrl, TUNEFLOW_TASK_QUEUE: taskQueue });
  let client: Awaited<ReturnType<typeof connectTestClient>>;
  before(async () => {
    client = await connectTestClient(address);
  });
  after(async () => {
    await client.close();
  });

  test('no split sees the holdout; the recommended set is backtested on it once and reported', async () => {
    const campaign = makeCampaign(
      `${SMA_SPLITS}search: { algorithm: random, seed: 3, trials: 8, parallelism: 4 }
walk_forward: { splits: 3, train: 200, test: 80, top_n: 3, concurrency: 2, holdout: 120 }
`,
      { bars: 700 },
    );
    const taskQueue = uniqueId('tq');
    const sessionId = uniqueId('holdout');
    const wf = loadSessionSpec(campaign.config, { sessionId }).walkForward!;
    assert.deepEqual(wf.holdout, { start: 580, end: 700 });
    for (const s of wf.splits) assert.ok(s.train.end <= 580 && s.test.end <= 580, `split ${s.k} stays before the holdout`);

    const run = await withWorker({ address, redisUrl, taskQueue }, () => tuneflow(['run', campaign.config, '--session-id', sessionId], env(taskQueue)));
    assert.equal(run.code, 0, run.stderr);
    const out = path.join(campaign.dir, 'outputs', sessionId);
    const best = JSON.parse(fs.readFileSync(path.join(out, 'best_params.json'), 'utf8'));
    const report = JSON.parse(fs.readFileSync(path.join(out, 'walk_forward.json'), 'utf8'));
    assert.deepEqual(report.holdout, best.holdout);
    assert.deepEqual(best.holdout.params, best.recommended.params, 'the set chosen on the splits is the one tested');
    const bars = loadCsv(campaign.data);
    const direct = runBacktest(bars, getStrategy('sma_crossover'), best.recommended.params, { cash: 10_000, commission: 0.001, window: { start: 580, end: 700 } }).metrics;
    assert.equal(best.holdout.bars, 120);
    assert.equal(best.holdout.metrics.return_pct, direct.return_pct);
    assert.equal(best.holdout.metrics.sharpe, Number.isFinite(direct.sharpe) ? direct.sharpe : null);
    assert.equal(best.holdout.metrics.trades, direct.trades);
    const firstDay = new Date(bars.time[580]).toISOString().slice(0, 10);
    assert.match(run.stdout, /Holdout \(bars 580-699, which no split saw\), the recommended set backtested once: sharpe \S+, return \S+ %/);
    assert.equal(best.holdout.from, firstDay);

    const summary = fs.readFileSync(path.join(out, 'summary.md'), 'utf8');
    assert.match(summary, new RegExp(`### Holdout\\n\\nHoldout ${firstDay} → \\S+ \\(120 bars no split saw\\), recommended parameters \\(fast=\\d+, slow=\\d+\\), backtested once: sharpe \\S+, return \\S+ %`));
    assert.match(fs.readFileSync(path.join(out, 'report.html'), 'utf8'), /<h3>Holdout<\/h3>/);

    // Regenerated from the trial store, the outputs report the same holdout.
    const regenerated = await tuneflow(['summary', sessionId], env(taskQueue));
    assert.equal(regenerated.code, 0, regenerated.stderr);
    assert.match(regenerated.stdout, new RegExp(`Holdout ${firstDay} → `));

    const history = await client.client.workflow.getHandle(sessionId).fetchHistory();
    const holdoutActivities = (history.events ?? []).filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'evaluateHoldout');
    assert.equal(holdoutActivities.length, 1, 'the holdout is evaluated once');
    await replayAndRecord(client.client, [sessionId, ...wf.splits.map((s) => `${sessionId}/split-${s.k}`)]);
  });
});

describe('tuneflow plan with a holdout', () => {
  test('plan shows the holdout beside the splits; one that does not fit exits 2', async () => {
    const campaign = makeCampaign(`strategy: sma_crossover
params:
  fast: { type: int, low: 5, high: 20, step: 5 }
  slow: { type: int, low: 20, high: 60, step: 20 }
search: { algorithm: tpe, trials: 10 }
walk_forward: { splits: 2, train: 200, test: 80, holdout: 0.2 }   # a fifth of the 640 bars after the warm-up
`, { bars: 700 });
    const text = await tuneflow(['plan', campaign.config]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /Holdout: bars 572-699 \(\S+ to \S+, 128 bars\), which no split trains or tests on; the recommended parameter set is backtested on them once/);
    const json = await tuneflow(['plan', campaign.config, '--json']);
    const plan = JSON.parse(json.stdout) as { splits: Array<{ test_to: string }>; holdout: { start: number; end: number; bars: number; from: string } };
    assert.deepEqual([plan.holdout.start, plan.holdout.end, plan.holdout.bars], [572, 700, 128]);
    assert.ok(plan.splits.every((s) => s.test_to < plan.holdout.from));
    const none = await tuneflow(['plan', makeCampaign(`strategy: sma_crossover
params:
  fast: { type: int, low: 5, high: 20, step: 5 }
  slow: { type: int, low: 20, high: 60, step: 20 }
walk_forward: { splits: 2, train: 200, test: 80 }
`, { bars: 700 }).config, '--json']);
    assert.equal((JSON.parse(none.stdout) as { holdout: unknown }).holdout, null);
    const bad = await tuneflow(['plan', makeCampaign(`strategy: sma_crossover
params:
  fast: { type: int, low: 5, high: 20, step: 5 }
  slow: { type: int, low: 20, high: 60, step: 20 }
walk_forward: { splits: 2, train: 200, test: 80, holdout: 500 }
`, { bars: 700 }).config]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /holdout 500\), but the data has 700; use fewer or shorter splits or a shorter holdout\./);
    assert.equal(bad.stdout, '');
  });
});
