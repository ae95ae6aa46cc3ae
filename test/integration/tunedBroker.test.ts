import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { loadBars, runBacktest } from '../../backtest';
import { RedisTrialStore } from '../../store/redis/trialStore';
import { makeCampaign } from '../helpers/campaign';
import { tuneflow } from '../helpers/cli';
import { replayAndRecord } from '../helpers/replay';
import { connectTestClient, redisClient, SKIP_REASON, testServices, uniqueId, withWorker } from '../helpers/stack';

const services = testServices();

const TUNED = `strategy: sma_crossover
params:
  fast: { type: int, low: 5, high: 20 }
  slow: { type: int, low: 30, high: 80 }
constraints: ["take_profit > 2 * stop_loss"]
backtest:
  commission: { relative: 0.001, fixed: 1 }
  spread: 0.0002
  slippage: { range: 0.05 }
  stop_loss: { low: 0.01, high: 0.08 }
  take_profit: { low: 0.03, high: 0.3, log: true }
  trailing_stop: 0.1
objective: sharpe
search: { algorithm: tpe, seed: 5, trials: 16, parallelism: 4, options: { nStartupTrials: 6 } }
`;

describe('costs and exits tuned like parameters', () => {
  test('a session tunes stop-loss and take-profit beside the strategy, and each trial is the backtest of its settings', { skip: services ? false : SKIP_REASON }, async () => {
    const { address, redisUrl } = services!;
    const campaign = makeCampaign(TUNED);
    const taskQueue = uniqueId('tq');
    const sessionId = uniqueId('broker');
    const result = await withWorker({ address, redisUrl, taskQueue }, () =>
      tuneflow(['run', campaign.config, '--session-id', sessionId, '--json'], { TEMPORAL_ADDRESS: address, REDIS_URL: redisUrl, TUNEFLOW_TASK_QUEUE: taskQueue }),
    );
    assert.equal(result.code, 0, result.stderr);
    const { counts } = JSON.parse(result.stdout) as { counts: { succeeded: number; failed: number } };
    assert.deepEqual([counts.succeeded, counts.failed], [16, 0]);
    const bars = loadBars(campaign.data);
    const redis = redisClient(redisUrl);
    try {
      const records = await new RedisTrialStore(redis).allTrials(sessionId);
      assert.equal(records.length, 16);
      for (const r of records) {
        const { fast, slow, stop_loss: stopLoss, take_profit: takeProfit } = r.params as Record<string, number>;
        assert.ok(takeProfit > 2 * stopLoss, JSON.stringify(r.params));
        const direct = runBacktest(bars, 'sma_crossover', { fast, slow }, {
          cash: 10_000, commission: 0.001, commissionFixed: 1, spread: 0.0002, slippage: { range: 0.05 }, stopLoss, takeProfit, trailingStop: 0.1,
        }).metrics;
        assert.equal(r.metrics?.sharpe ?? null, Number.isFinite(direct.sharpe) ? direct.sharpe : null, JSON.stringify(r.params));
        assert.equal(r.metrics?.trades, direct.trades);
      }
    } finally {
      redis.disconnect();
    }
    const out = path.join(campaign.dir, 'outputs', sessionId);
    const best = JSON.parse(fs.readFileSync(path.join(out, 'best_params.json'), 'utf8')) as { best: Array<{ params: Record<string, number> }> };
    assert.deepEqual(Object.keys(best.best[0].params).sort(), ['fast', 'slow', 'stop_loss', 'take_profit']);
    const header = fs.readFileSync(path.join(out, 'trials.csv'), 'utf8').split('\n')[0];
    assert.match(header, /stop_loss/);
    assert.match(header, /take_profit/);
    const client = await connectTestClient(address);
    try {
      await replayAndRecord(client.client, [sessionId]);
    } finally {
      await client.close();
    }
  });
});
