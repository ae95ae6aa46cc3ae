import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { WorkflowNotFoundError } from '@temporalio/client';
import { RedisTrialStore } from '../../store/redis/trialStore';
import type { DryRunReport } from '../../cli/dryRun';
import type { Params } from '../../search/types';
import type { SessionSummary } from '../../types/session';
import type { TrialRecord } from '../../types/trial';
import { makeCampaign, smaSpace } from '../helpers/campaign';
import { tuneflow } from '../helpers/cli';
import { replayAndRecord } from '../helpers/replay';
import { connectTestClient, redisClient, SKIP_REASON, testServices, uniqueId, withWorker } from '../helpers/stack';

const services = testServices();

/** An SMA space of about 8,000 points, searched by TPE: a session's first 8 proposals are its random start. */
const SPACE = smaSpace({ fast: [2, 60], slow: [10, 200] });
const SEARCH = 'algorithm: tpe, seed: 8, trials: 40, parallelism: 8';

/** Distance in the space scaled to [0, 1] per parameter. */
const distance = (a: Params, b: Params) => Math.hypot(((a.fast as number) - (b.fast as number)) / 58, ((a.slow as number) - (b.slow as number)) / 190);
const key = (p: Params) => `${p.fast}/${p.slow}`;

describe('search.warm_start against the real stack', { skip: services ? false : SKIP_REASON, concurrency: 1 }, () => {
  const { address, redisUrl } = services ?? { address: '', redisUrl: '' };
  const taskQueue = uniqueId('tq');
  const env = { TEMPORAL_ADDRESS: address, REDIS_URL: redisUrl, TUNEFLOW_TASK_QUEUE: taskQueue };
  const redis = redisClient(redisUrl || 'redis://127.0.0.1:1');
  const store = new RedisTrialStore(redis);
  let client: Awaited<ReturnType<typeof connectTestClient>>;
  const earlier = uniqueId('warm-a');
  const campaign = makeCampaign(`${SPACE}search: { ${SEARCH} }\n`);
  let earlierTrials: TrialRecord[] = [];

  before(async () => {
    client = await connectTestClient(address);
    const run = await withWorker({ address, redisUrl, taskQueue }, () => tuneflow(['run', campaign.config, '--session-id', earlier, '--json'], env));
    assert.equal(run.code, 0, run.stderr);
    earlierTrials = await store.allTrials(earlier);
    assert.equal(earlierTrials.length, 40);
  });
  after(async () => {
    redis.disconnect();
    await client?.close();
  });

  /** A campaign over the same data as the earlier session's, with `yaml` instead of its space and search. */
  function variant(yaml: string): string {
    const config = path.join(campaign.dir, `${uniqueId('variant')}.yaml`);
    fs.writeFileSync(config, `data: prices.csv\noutput:\n  dir: ${path.join(campaign.dir, 'outputs')}\n${yaml}`);
    return config;
  }

  test("a new session seeded with the earlier one's trials says so, proposes near their best at once, and never repeats one", async () => {
    const warm = uniqueId('warm-b');
    const config = variant(`${SPACE}search: { ${SEARCH}, warm_start: ${earlier} }\n`);
    const run = await withWorker({ address, redisUrl, taskQueue }, () => tuneflow(['run', config, '--session-id', warm, '--json'], env));
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, new RegExp(`Started session ${warm} \\(40 trials, tpe, parallelism 8\\), warm-started from ${earlier} with 40 trials\\.`));
    const summary = JSON.parse(run.stdout) as SessionSummary;
    assert.equal(summary.counts.succeeded + summary.counts.failed, 40, 'the earlier trials count neither as trials nor against the budget');

    const runJson = JSON.parse(fs.readFileSync(path.join(summary.outputDir, 'run.json'), 'utf8'));
    assert.deepEqual(runJson.warm_start, { session: earlier, trials: 40, out_of_space: 0, beyond_cap: 0, note: `warm-started from ${earlier} with 40 trials` });
    assert.match(fs.readFileSync(path.join(summary.outputDir, 'summary.md'), 'utf8'), new RegExp(`Warm-started from ${earlier} with 40 trials: they seeded the search`));
    const rows = fs.readFileSync(path.join(summary.outputDir, 'trials.csv'), 'utf8').trim().split('\n').slice(1);
    assert.deepEqual(rows.map((r) => Number(r.split(',')[0])), Array.from({ length: 40 }, (_, i) => i + 1), 'its outputs hold its own 40 trials only');

    const trials = await store.allTrials(warm);
    const seen = new Set(earlierTrials.map((t) => key(t.params)));
    assert.deepEqual(trials.filter((t) => seen.has(key(t.params))).map((t) => t.trialId), [], 'no earlier point is evaluated again');
    // Cold, TPE's first 8 proposals are its random start; seeded, they come from the earlier trials' model.
    const best = earlierTrials.filter((t) => t.objective !== null).sort((a, b) => (b.objective as number) - (a.objective as number))[0]!;
    const firstWindow = (records: TrialRecord[]) => records.filter((t) => t.trialId <= 8).reduce((sum, t) => sum + distance(t.params, best.params), 0) / 8;
    const [cold, seeded] = [firstWindow(earlierTrials), firstWindow(trials)];
    assert.ok(seeded < 0.6 * cold, `mean distance of the first 8 trials to the earlier best ${JSON.stringify(best.params)}: ${seeded.toFixed(3)} seeded, ${cold.toFixed(3)} cold`);

    // The warm start is one activity of the first run; recorded, this history is replayed by later releases.
    await replayAndRecord(client.client, [warm]);

    // Continued as new every 16 trials, the seeded sampler travels in its state: the same trials, one warm start.
    const chained = uniqueId('warm-can');
    const chainedConfig = variant(`${SPACE}search: { ${SEARCH}, warm_start: ${earlier} }\nsession: { continue_as_new_every: 16 }\n`);
    const again = await withWorker({ address, redisUrl, taskQueue }, () => tuneflow(['run', chainedConfig, '--session-id', chained, '--json'], env));
    assert.equal(again.code, 0, again.stderr);
    assert.ok((JSON.parse(again.stdout) as SessionSummary).runs >= 3, 'it continued as new');
    const params = (records: TrialRecord[]) => records.map((t) => [t.trialId, key(t.params)]);
    assert.deepEqual(params(await store.allTrials(chained)), params(trials));
    assert.equal((await store.getMeta(chained))?.warmStart?.trials, 40);
  });

  test('run --dry-run checks the warm start against the trial store', async () => {
    const config = variant(`${SPACE}search: { ${SEARCH}, warm_start: { session: ${earlier}, trials: 10 } }\n`);
    const dry = await tuneflow(['run', config, '--dry-run'], env);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, new RegExp(`^Warm start from session ${earlier}: 10 of its trials would seed the search$`, 'm'));
    const json = await tuneflow(['run', config, '--dry-run', '--json'], env);
    assert.deepEqual((JSON.parse(json.stdout) as DryRunReport).warmStart, { session: earlier, trials: 10, outOfSpace: 0, beyondCap: 30 });
  });

  const refused: Array<{ name: string; yaml: () => string; expect: () => RegExp }> = [
    {
      name: 'a session the trial store does not have',
      yaml: () => `${SPACE}search: { ${SEARCH}, warm_start: no-such-session }\n`,
      expect: () => /`search\.warm_start`: the trial store has no session "no-such-session"; name a session that ran on this trial store/,
    },
    {
      name: 'a session over other parameters',
      yaml: () => `strategy: sma_crossover\nparams:\n  fast: { type: int, low: 2, high: 60 }\nsearch: { ${SEARCH}, warm_start: ${earlier} }\n`,
      expect: () => new RegExp(`\`search\\.warm_start\`: session "${earlier}" searched fast, slow, this config searches fast: it also searched slow, which this config does not`),
    },
    {
      name: 'a session none of whose trials lies in the new space',
      yaml: () => `${SPACE.replace('low: 2, high: 60', 'low: 61, high: 99')}search: { ${SEARCH}, warm_start: ${earlier} }\n`,
      expect: () => new RegExp(`none of the 40 succeeded trials of session "${earlier}" lies in this config's search space \\(fast 61\\.\\.99, slow 10\\.\\.200, fast < slow\\); trial \\d+: fast=\\d+ lies outside 61\\.\\.99`),
    },
  ];
  for (const c of refused) {
    test(`refused before anything starts: ${c.name}`, async () => {
      const config = variant(c.yaml());
      for (const args of [[], ['--dry-run']]) {
        const sessionId = uniqueId('warm-bad');
        const result = await tuneflow(['run', config, '--session-id', sessionId, ...args], env);
        assert.equal(result.code, 2, result.stderr);
        assert.match(result.stderr, c.expect());
        assert.equal(result.stderr.trim().split('\n').length, 1, `one paragraph: ${result.stderr}`);
        assert.ok(!fs.existsSync(path.join(campaign.dir, 'outputs', sessionId)), 'no outputs');
        assert.equal(await store.getMeta(sessionId), null, 'nothing in the trial store');
        await assert.rejects(client.client.workflow.getHandle(sessionId).describe(), WorkflowNotFoundError, 'no session started');
      }
    });
  }
});
