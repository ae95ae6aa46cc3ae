import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { aggregate } from '../../activities/aggregate';
import { RedisTrialStore } from '../../store/redis/trialStore';
import { weightedRank } from '../../analysis';
import { loadSessionSpec } from '../../config/load';
import { syntheticTrials } from '../../harness/bench/store/syntheticTrials';
import type { SessionSpec } from '../../types/session';
import type { TrialRecord } from '../../types/trial';
import { makeCampaign, SMA_GRID } from '../helpers/campaign';
import { redisClient, SKIP_REASON, testServices, uniqueId } from '../helpers/stack';

const services = testServices();
const TRIALS = 50_000;

describe('aggregation of a large session, streamed from the store', { skip: services ? false : SKIP_REASON }, () => {
  const redis = redisClient(services?.redisUrl ?? 'redis://127.0.0.1:1');
  const store = new RedisTrialStore(redis);
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tuneflow-aggregate-'));
  after(() => {
    redis.disconnect();
    fs.rmSync(outDir, { recursive: true, force: true });
  });

  it(`writes complete, ordered outputs for ${TRIALS} trials, its analyses on a sample`, async () => {
    const campaign = makeCampaign(SMA_GRID);
    const base = loadSessionSpec(campaign.config, { sessionId: uniqueId('large') });
    const int = (low: number, high: number) => ({ type: 'int' as const, low, high });
    const spec: SessionSpec = {
      ...base,
      search: { ...base.search, space: { fast: int(2, 60), slow: int(3, 260), lookback: int(5, 65), stop: { type: 'float', low: 0, high: 1 } }, constraints: [] },
      output: { dir: outDir, topN: 10 },
      rankWeights: { sharpe: 0.5, calmar: 0.3, max_drawdown_pct: 0.2 },
      minTrades: 20,
    };
    const records: TrialRecord[] = [...syntheticTrials(spec.sessionId, TRIALS, 3)];
    // Ties on the objective go to the lower trial id.
    records[40_000] = { ...records[40_000], objective: 100, metrics: { ...records[40_000].metrics, sharpe: 100 } };
    records[30_000] = { ...records[30_000], objective: 100, metrics: { ...records[30_000].metrics, sharpe: 100 } };
    for (let i = 0; i < records.length; i += 2000) await store.putTrials(records.slice(i, i + 2000));

    const result = await aggregate(store, { spec, leaderboard: [], counts: { succeeded: 0, failed: 0 }, runs: 1, stoppedBy: 'complete', startedAt: Date.now() }, {}, { workers: {}, times: null });
    const read = (name: string) => fs.readFileSync(path.join(result.outputDir, name), 'utf8');
    const succeeded = records.filter((r) => r.status === 'succeeded');

    const trialsCsv = read('trials.csv').trimEnd().split('\n');
    assert.equal(trialsCsv.length, TRIALS + 1);
    assert.deepEqual(trialsCsv.slice(1).map((l) => Number(l.split(',')[0])), records.map((r) => r.trialId), 'trials.csv lists every trial in id order');

    const rankings = read('rankings.csv').trimEnd().split('\n');
    const header = rankings[0].split(',');
    const rows = rankings.slice(1).map((l) => l.split(','));
    assert.equal(rows.length, succeeded.length, 'rankings.csv holds every ranked trial');
    const col = (name: string) => header.indexOf(name);
    const expected = [...succeeded].sort((a, b) => b.objective! - a.objective! || a.trialId - b.trialId);
    assert.deepEqual(rows.map((r) => Number(r[col('trial_id')])), expected.map((t) => t.trialId), 'best first, ties to the lower id');
    assert.deepEqual(rows.slice(0, 3).map((r) => Number(r[col('rank')])), [1, 2, 3]);
    assert.equal(rows[0][col('trial_id')], String(records[30_000].trialId));

    const weighted = new Map(weightedRank(records, { weights: spec.rankWeights, minTrades: spec.minTrades }).map((w) => [w.trialId, w]));
    for (const r of rows.filter((_, i) => i % 997 === 0)) {
      const w = weighted.get(Number(r[col('trial_id')]));
      assert.equal(r[col('weighted_rank')], String(w?.rank ?? ''), 'the weighted rank is exact over all trials');
      assert.equal(r[col('weighted_score')], String(w?.score ?? ''));
    }

    const best = JSON.parse(read('best_params.json')) as { best: Array<{ trial_id: number; weighted_rank: number }> };
    assert.deepEqual(best.best.map((b) => b.trial_id), expected.slice(0, 10).map((t) => t.trialId));
    assert.equal(best.best[0].weighted_rank, weighted.get(best.best[0].trial_id)?.rank);

    const summary = read('summary.md');
    assert.match(summary, new RegExp(`Trials: ${TRIALS} \\(${succeeded.length} succeeded, ${TRIALS - succeeded.length} failed\\)`));
    assert.match(summary, new RegExp(`sample of \\d+ of the ${succeeded.length} scored trials`));
    assert.match(summary, new RegExp(`Trial ${records[30_000].trialId}, sharpe = 100`));
    assert.match(read('report.html'), /seeded random sample/);
    assert.ok(read('sensitivity.csv').split('\n').length > 4);
    assert.equal(read('importance.csv').trimEnd().split('\n').length, 5);

    const run = JSON.parse(read('run.json')) as { data_sha256: string; counts: { total: number } };
    assert.equal(run.counts.total, TRIALS);
    assert.equal(run.data_sha256, createHash('sha256').update(fs.readFileSync(campaign.data)).digest('hex'));
    assert.deepEqual(fs.readdirSync(result.outputDir).sort(), ['best_params.json', 'importance.csv', 'rankings.csv', 'report.html', 'run.json', 'sensitivity.csv', 'summary.md', 'trials.csv'],
      'no temp file or sort run is left behind');
  });
});
