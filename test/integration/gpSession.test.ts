import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { RedisTrialStore } from '../../store/redis/trialStore';
import { makeCampaign, smaSpace } from '../helpers/campaign';
import { tuneflow } from '../helpers/cli';
import { redisClient, SKIP_REASON, testServices, uniqueId, withWorker } from '../helpers/stack';

const services = testServices();

const SMA_WIDE = smaSpace({ fast: [2, 40], slow: [5, 120] });

describe('algorithm: gp', () => {
  test('a gp session runs in the workflow to its budget, with distinct feasible trials and every output file', { skip: services ? false : SKIP_REASON }, async () => {
    const { address, redisUrl } = services!;
    const campaign = makeCampaign(`${SMA_WIDE}search: { algorithm: gp, seed: 3, trials: 18, parallelism: 3, options: { nStartupTrials: 6 } }\n`);
    const taskQueue = uniqueId('tq');
    const sessionId = uniqueId('gp');
    const result = await withWorker({ address, redisUrl, taskQueue }, () =>
      tuneflow(['run', campaign.config, '--session-id', sessionId, '--json'], { TEMPORAL_ADDRESS: address, REDIS_URL: redisUrl, TUNEFLOW_TASK_QUEUE: taskQueue }),
    );
    assert.equal(result.code, 0, result.stderr);
    const { counts } = JSON.parse(result.stdout) as { counts: { succeeded: number; failed: number } };
    assert.equal(counts.succeeded, 18);
    assert.equal(counts.failed, 0);
    const redis = redisClient(redisUrl);
    try {
      const records = await new RedisTrialStore(redis).allTrials(sessionId);
      assert.equal(records.length, 18);
      const points = records.map((r) => `${r.params.fast}/${r.params.slow}`);
      assert.equal(new Set(points).size, 18, `no point twice: ${points.join(' ')}`);
      for (const r of records) assert.ok((r.params.fast as number) < (r.params.slow as number), points.join(' '));
    } finally {
      redis.disconnect();
    }
    const outputs = fs.readdirSync(path.join(campaign.dir, 'outputs', sessionId));
    for (const file of ['best_params.json', 'rankings.csv', 'trials.csv', 'summary.md', 'report.html', 'run.json']) assert.ok(outputs.includes(file), file);
  });

  test('check takes --algorithm gp; bad gp options and several objectives end in exit code 2 with the fix, writing nothing', async () => {
    const campaign = makeCampaign(SMA_WIDE);
    const good = await tuneflow(['check', campaign.config, '--algorithm', 'gp', '--trials', '50']);
    assert.equal(good.code, 0, good.stderr);
    assert.match(good.stdout, /gp over fast, slow/);
    const cases: [string, RegExp][] = [
      ['search: { algorithm: gp, trials: 30, options: { maxPoints: 5 } }\n', /option "maxPoints" of gp must be between 20 and 500, got 5/],
      ['search: { algorithm: gp, trials: 30, options: { nCandidate: 64 } }\n', /unknown option "nCandidate" for gp \(did you mean "nCandidates"\?\)/],
    ];
    for (const [body, message] of cases) {
      const bad = makeCampaign(`${SMA_WIDE}${body}`);
      const result = await tuneflow(['check', bad.config]);
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, message);
      assert.deepEqual(fs.readdirSync(bad.dir).sort(), ['campaign.yaml', 'prices.csv']);
    }
    const multi = makeCampaign(SMA_WIDE.replace('objective: sharpe', 'objective: [sharpe, calmar]'));
    const refused = await tuneflow(['check', multi.config, '--algorithm', 'gp', '--trials', '30']);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /gp optimises one objective; for 2 objectives choose genetic \(NSGA-II\), tpe \(multi-objective TPE\), random, qmc or grid/);
  });
});
