import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { RedisTrialStore } from '../../store/redis/trialStore';
import { TUNEFLOW_BIN, tuneflow } from '../helpers/cli';
import { makeCampaign, SMA_GRID } from '../helpers/campaign';
import { redisClient, SKIP_REASON, testServices, uniqueId, withWorker } from '../helpers/stack';
import { until } from '../helpers/until';

interface TrialLine {
  trial: number;
  params: { fast: number; slow: number };
}

function readLines<T>(file: string): T[] {
  return fs
    .readFileSync(file, 'utf8')
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as T);
}

const RANDOM_SMA = `strategy: sma_crossover
params:
  fast: { type: int, low: 2, high: 60 }
  slow: { type: int, low: 10, high: 250 }
constraints: ["fast < slow"]
objective: sharpe
search: { algorithm: random, seed: 11, trials: 40, parallelism: 4 }
`;

const WALK_FORWARD = `${SMA_GRID}search: { algorithm: tpe, trials: 12, parallelism: 2 }
walk_forward: { splits: 3, train: 200, test: 80, mode: rolling, top_n: 2 }
`;

describe('tuneflow plan --jobs', () => {
  test('a grid: every point once, in the order the session proposes them, and nothing else written', async () => {
    const campaign = makeCampaign(SMA_GRID);
    const jobs = path.join(campaign.dir, 'jobs.jsonl');
    const result = await tuneflow(['plan', campaign.config, '--jobs', jobs]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^Wrote 24 trials to .*jobs\.jsonl: grid, seed 42, the budget of 24/);
    const lines = readLines<TrialLine>(jobs);
    assert.deepEqual(lines.map((l) => l.trial), Array.from({ length: 24 }, (_, i) => i + 1));
    assert.deepEqual(lines.slice(0, 3), [
      { trial: 1, params: { fast: 5, slow: 10 } },
      { trial: 2, params: { fast: 5, slow: 20 } },
      { trial: 3, params: { fast: 5, slow: 30 } },
    ]);
    assert.ok(lines.every((l) => l.params.fast < l.params.slow), 'the constraint holds on every line');
    assert.equal(new Set(lines.map((l) => `${l.params.fast}/${l.params.slow}`)).size, 24, 'no point twice');
    assert.deepEqual(fs.readdirSync(campaign.dir).sort(), ['campaign.yaml', 'jobs.jsonl', 'prices.csv']);
  });

  test('a random search follows its seed and the --trials, --seed and --algorithm flags', async () => {
    const campaign = makeCampaign(SMA_GRID);
    const plan = async (name: string, ...flags: string[]) => {
      const file = path.join(campaign.dir, name);
      const result = await tuneflow(['plan', campaign.config, '--jobs', file, '--algorithm', 'random', '--trials', '10', ...flags]);
      assert.equal(result.code, 0, result.stderr);
      return fs.readFileSync(file, 'utf8');
    };
    const first = await plan('a.jsonl', '--seed', '5');
    assert.equal(first.trimEnd().split('\n').length, 10);
    assert.equal(await plan('b.jsonl', '--seed', '5'), first, 'the same seed gives the same plan');
    assert.notEqual(await plan('c.jsonl', '--seed', '6'), first, 'another seed gives another');
  });

  test('a walk-forward session: one line per split, the windows `plan` prints', async () => {
    const campaign = makeCampaign(WALK_FORWARD);
    const jobs = path.join(campaign.dir, 'splits.jsonl');
    const written = await tuneflow(['plan', campaign.config, '--jobs', jobs]);
    assert.equal(written.code, 0, written.stderr);
    assert.match(written.stdout, /Wrote 3 walk-forward splits .*each tunes 12 tpe trials on its training window/);
    const printed = await tuneflow(['plan', campaign.config, '--json']);
    assert.equal(printed.code, 0, printed.stderr);
    const rows = (JSON.parse(printed.stdout) as { splits: Array<Record<string, string | number>> }).splits;
    const lines = readLines<{ split: number; train: { bars: number; from: string; to: string }; test: { start: number; end: number; from: string; to: string }; trials: number; algorithm: string }>(jobs);
    assert.equal(lines.length, 3);
    lines.forEach((line, i) => {
      assert.equal(line.split, i + 1);
      assert.equal(line.train.bars, 200);
      assert.equal(line.test.end - line.test.start, 80);
      assert.deepEqual([line.train.from, line.train.to, line.test.from, line.test.to], [rows[i].train_from, rows[i].train_to, rows[i].test_from, rows[i].test_to]);
      assert.equal(line.trials, 12);
      assert.equal(line.algorithm, 'tpe');
    });
    assert.equal(lines[2].test.end, 600, 'the last test window ends at the last bar');
  });

  test('an adaptive search is refused with the reason, and no file is written', async () => {
    const campaign = makeCampaign(`${SMA_GRID}search: { algorithm: tpe, trials: 30 }\n`);
    const result = await tuneflow(['plan', campaign.config, '--jobs', path.join(campaign.dir, 'jobs.jsonl')]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /^tuneflow: .*campaign\.yaml: --jobs cannot list the trials of this search: tpe proposes each trial from the results of the trials before it/);
    assert.equal(result.stderr.trim().split('\n').length, 1, 'one paragraph');
    assert.deepEqual(fs.readdirSync(campaign.dir).sort(), ['campaign.yaml', 'prices.csv']);
  });

  test('a warm-started search is refused: which points it leaves out only the trial store knows', async () => {
    const campaign = makeCampaign(`${SMA_GRID}search: { algorithm: random, trials: 10, warm_start: earlier }\n`);
    const result = await tuneflow(['plan', campaign.config, '--jobs', path.join(campaign.dir, 'jobs.jsonl')]);
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /--jobs cannot list the trials of a warm-started search: they leave out the points session earlier evaluated/);
    assert.deepEqual(fs.readdirSync(campaign.dir).sort(), ['campaign.yaml', 'prices.csv']);
  });

  test('a folder, the config or the data as the target is refused and left as it was', async () => {
    const campaign = makeCampaign(SMA_GRID);
    const config = fs.readFileSync(campaign.config, 'utf8');
    for (const [target, expect] of [
      [campaign.dir, /--jobs: .* is not a regular file/],
      [campaign.config, /--jobs: .*campaign\.yaml is the campaign's config/],
      [campaign.data, /--jobs: .*prices\.csv is the campaign's data file/],
    ] as const) {
      const result = await tuneflow(['plan', campaign.config, '--jobs', target]);
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, expect);
    }
    assert.equal(fs.readFileSync(campaign.config, 'utf8'), config);
    assert.deepEqual(fs.readdirSync(campaign.dir).sort(), ['campaign.yaml', 'prices.csv']);
  });

  test('Ctrl-C while a long plan is written leaves neither the plan nor its temp file', async () => {
    // A million-point grid: about two seconds of writing, so the signal lands in the middle.
    const campaign = makeCampaign(`strategy: sma_crossover
params:
  fast: { type: int, low: 1, high: 1000 }
  slow: { type: int, low: 1001, high: 2000 }
objective: sharpe
`);
    const jobs = path.join(campaign.dir, 'jobs.jsonl');
    const child = spawn(process.execPath, [TUNEFLOW_BIN, 'plan', campaign.config, '--jobs', jobs]);
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    await until('the plan is being written', async () => fs.readdirSync(campaign.dir).some((name) => name.endsWith('.tmp')), 30_000, 10);
    child.kill('SIGINT');
    assert.equal(await exited, 130, stderr);
    assert.match(stderr, /Interrupted after \d+ lines: .*jobs\.jsonl was not written/);
    assert.deepEqual(fs.readdirSync(campaign.dir).sort(), ['campaign.yaml', 'prices.csv']);
  });
});

const services = testServices();

describe('a planned session runs exactly its plan', { skip: services ? false : SKIP_REASON }, () => {
  test('random search, batches and 4 in flight: every stored trial has the planned parameters', async () => {
    const { address, redisUrl } = services!;
    const campaign = makeCampaign(RANDOM_SMA);
    const jobs = path.join(campaign.dir, 'jobs.jsonl');
    const planned = await tuneflow(['plan', campaign.config, '--jobs', jobs]);
    assert.equal(planned.code, 0, planned.stderr);
    const taskQueue = uniqueId('tq');
    const sessionId = uniqueId('planned');
    const run = await withWorker({ address, redisUrl, taskQueue }, () =>
      tuneflow(['run', campaign.config, '--session-id', sessionId, '--json'], { TEMPORAL_ADDRESS: address, REDIS_URL: redisUrl, TUNEFLOW_TASK_QUEUE: taskQueue }),
    );
    assert.equal(run.code, 0, run.stderr);
    const redis = redisClient(redisUrl);
    try {
      const stored = (await new RedisTrialStore(redis).allTrials(sessionId)).sort((a, b) => a.trialId - b.trialId);
      assert.deepEqual(
        stored.map((r) => ({ trial: r.trialId, params: r.params })),
        readLines<TrialLine>(jobs),
      );
    } finally {
      redis.disconnect();
    }
  });
});
