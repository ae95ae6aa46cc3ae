import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { RedisTrialStore } from '../../store/redis/trialStore';
import { tuneflow } from '../helpers/cli';
import { makeCampaign } from '../helpers/campaign';
import { redisClient, SKIP_REASON, testServices, uniqueId, withWorker } from '../helpers/stack';

const services = testServices();

describe('tuneflow run against the real stack', { skip: services ? false : SKIP_REASON }, () => {
  test('a trial with invalid parameters fails without retry and the session exits 1', async () => {
    const { address, redisUrl } = services!;
    // No `fast < slow` constraint: the grid proposes pairs the strategy rejects as invalid.
    const campaign = makeCampaign(`strategy: sma_crossover
params:
  fast: { low: 10, high: 20, step: 10 }
  slow: { low: 10, high: 20, step: 10 }
objective: sharpe
trial: { retry: { initial_interval: 100ms, maximum_attempts: 5 } }
`);
    const taskQueue = uniqueId('tq');
    const sessionId = uniqueId('invalid');
    const result = await withWorker({ address, redisUrl, taskQueue }, () =>
      tuneflow(['run', campaign.config, '--session-id', sessionId, '--json'], {
        TEMPORAL_ADDRESS: address,
        REDIS_URL: redisUrl,
        TUNEFLOW_TASK_QUEUE: taskQueue,
      }),
    );
    assert.equal(result.code, 1, result.stderr);
    const summary = JSON.parse(result.stdout);
    assert.equal(summary.counts.failed, 3, 'fast=10/slow=10, fast=20/slow=10, fast=20/slow=20');
    assert.equal(summary.counts.succeeded, 1);
    const redis = redisClient(redisUrl);
    try {
      const records = await new RedisTrialStore(redis).allTrials(sessionId);
      const failed = records.filter((r) => r.status === 'failed');
      assert.equal(failed.length, 3);
      for (const record of failed) {
        assert.equal(record.attempt, 1, 'invalid parameters are never retried');
        assert.match(record.error ?? '', /InvalidParameters/);
      }
    } finally {
      redis.disconnect();
    }
  });
});

describe('bad input ends in exit code 2 with a message naming what and where', () => {
  const cases: Array<{ name: string; yaml: string; expect: RegExp; data?: boolean }> = [
    { name: 'unknown key', yaml: 'strategy: sma_crossover\nparams: { fast: { low: 5, high: 10 } }\nsearch: { paralelism: 2 }\n', expect: /unknown key `search\.paralelism`/ },
    { name: 'wrong type', yaml: 'strategy: sma_crossover\nparams: { fast: { low: 5, high: 10 } }\nsearch: { parallelism: many }\n', expect: /`search\.parallelism`/ },
    { name: 'empty range', yaml: 'strategy: sma_crossover\nparams: { fast: { low: 50, high: 5 } }\n', expect: /fast.*low.*high|low <= high/ },
    { name: 'unsatisfiable constraint', yaml: 'strategy: sma_crossover\nparams: { fast: { low: 50, high: 60, step: 10 }, slow: { low: 10, high: 20, step: 10 } }\nconstraints: ["fast < slow"]\n', expect: /no point of the search space satisfies the constraints "fast < slow"/ },
    { name: 'constraint on an unknown parameter', yaml: 'strategy: sma_crossover\nparams: { fast: { low: 5, high: 10 } }\nconstraints: ["fast < slowest"]\n', expect: /slowest/ },
    { name: 'invalid YAML', yaml: 'strategy: sma_crossover\nparams: { fast: [1, 2\n', expect: /line \d+, column \d+/ },
    { name: 'unknown strategy', yaml: 'strategy: sma_crossoverr\nparams: { fast: { low: 5, high: 10 } }\n', expect: /sma_crossoverr/ },
    { name: 'unknown objective', yaml: 'strategy: sma_crossover\nparams: { fast: { low: 5, high: 10 } }\nobjective: sharp\n', expect: /unknown metric "sharp"/ },
    { name: 'missing data file', yaml: 'strategy: sma_crossover\nparams: { fast: { low: 5, high: 10 } }\n', expect: /does not exist/, data: false },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      const campaign = makeCampaign(c.yaml);
      if (c.data === false) fs.rmSync(campaign.data);
      const result = await tuneflow(['run', campaign.config]);
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, c.expect);
      assert.match(result.stderr, /campaign\.yaml/);
      assert.ok(!fs.existsSync(path.join(campaign.dir, 'outputs')), 'nothing written');
    });
  }

  const ok = 'strategy: sma_crossover\nparams: { fast: { low: 5, high: 10 } }\n';
  const inputs: Array<{ name: string; args?: (dir: string) => string[]; yaml?: string; csv?: string; setup?: (c: { dir: string; config: string; data: string }) => void; expect: RegExp }> = [
    { name: '--parallelism past the limit', args: () => ['--parallelism', '200000'], expect: /--parallelism 200000: expected at most 100000 trials in flight/ },
    {
      name: 'more activities in flight than Temporal can hold',
      yaml: 'strategy: sma_crossover\nparams: { fast: { low: 5, high: 10 } }\ntrial: { batch: 1 }\n',
      args: () => ['--parallelism', '501'],
      expect: /parallelism 501 in batches of 1 keeps 501 trial activities in flight; the limit is 500/,
    },
    { name: '--seed past 2^53', args: () => ['--seed', '1e30'], expect: /--seed 1e\+30: expected a whole-number seed from 0 to 9007199254740991/ },
    { name: '--trials past the limit', args: () => ['--trials', '1e12'], expect: /--trials 1000000000000: expected at most 100000000 trials/ },
    { name: '--session-id ..', args: () => ['--session-id', '..'], expect: /--session-id "\.\.": use letters, digits/ },
    { name: '--session-id .', args: () => ['--session-id', '.'], expect: /--session-id "\.": use letters/ },
    { name: 'a 5,000-character session id', args: () => ['--session-id', 'a'.repeat(5000)], expect: /it has 5000 characters; the limit is 128/ },
    { name: '--output that is a file', args: (dir) => ['--output', path.join(dir, 'prices.csv')], expect: /--output: .*prices\.csv is a file/ },
    { name: 'a commission the engine refuses', yaml: 'strategy: sma_crossover\nbacktest: { commission: 0.2 }\nparams: { fast: { low: 5, high: 10 } }\n', expect: /`backtest\.commission`/ },
    { name: 'a trial timeout no timer can hold', yaml: 'strategy: sma_crossover\nparams: { fast: { low: 5, high: 10 } }\ntrial: { timeout: 30d }\n', expect: /`trial\.timeout`: expected a duration of at most 24d, got "30d"/ },
    { name: 'a parameter named __proto__', yaml: 'strategy: sma_crossover\nparams:\n  __proto__: { low: 5, high: 10 }\n', expect: /`params\.__proto__`: "__proto__" cannot be a key/ },
    { name: 'one bar of data', yaml: ok, csv: 'Date,Open,High,Low,Close,Volume\n2020-01-02,1,2,0.5,1.5,100\n', expect: /has 1 bar; a backtest needs at least 2/ },
    { name: 'a zero price', yaml: ok, csv: 'Date,Open,High,Low,Close,Volume\n2020-01-02,1,2,0.5,1.5,100\n2020-01-03,1,2,0,1.5,100\n', expect: /line 3, column 4 \(Low\): Low 0 is not a positive finite price/ },
    { name: 'a FIFO as the data file', yaml: ok, setup: (c) => { fs.rmSync(c.data); spawnSync('mkfifo', [c.data]); }, expect: /prices\.csv is not a regular file \(a FIFO/ },
    { name: 'an alias bomb', yaml: 'a: &a [1,1,1,1,1,1,1,1,1]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n', expect: /campaign\.yaml: invalid YAML: .*alias/ },
    { name: 'a duplicate key', yaml: 'strategy: sma_crossover\nparams: { fast: { low: 5, high: 10 } }\nstrategy: macd\n', expect: /campaign\.yaml, line [1-9]\d*, column 1: invalid YAML: Map keys must be unique/ },
  ];
  for (const c of inputs) {
    test(c.name, async () => {
      const campaign = makeCampaign(c.yaml ?? ok);
      if (c.csv !== undefined) fs.writeFileSync(campaign.data, c.csv);
      c.setup?.(campaign);
      const started = Date.now();
      const result = await tuneflow(['run', campaign.config, ...(c.args?.(campaign.dir) ?? [])]);
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, c.expect);
      assert.equal(result.stderr.trim().split('\n').length, 1, `one paragraph: ${result.stderr}`);
      assert.ok(Date.now() - started < 20_000, 'no hang');
      assert.ok(!fs.existsSync(path.join(campaign.dir, 'outputs')), 'nothing written');
    });
  }

  test('session arguments are checked like --session-id, before any server is asked', async () => {
    for (const command of ['status', 'results', 'summary', 'report', 'cancel']) {
      for (const id of ['..', 'x'.repeat(5000)]) {
        const result = await tuneflow([command, id]);
        assert.equal(result.code, 2, `${command}: ${result.stderr}`);
        assert.match(result.stderr, /^tuneflow: session id "[.x]+(…\(\d+ characters\))?": /);
        assert.ok(result.stderr.length < 300, 'the id is not echoed whole');
      }
    }
  });

  test('a folder as the config', async () => {
    const campaign = makeCampaign(ok);
    const result = await tuneflow(['run', campaign.dir]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /is a folder; give the path of a file/);
  });

  test('tuneflow check validates like run and writes nothing', async () => {
    const campaign = makeCampaign(ok);
    const good = await tuneflow(['check', campaign.config, '--trials', '7', '--session-id', 'checked']);
    assert.equal(good.code, 0, good.stderr);
    assert.match(good.stdout, /ok\. Session checked: sma_crossover, grid over fast, 6 trials/);
    const bad = await tuneflow(['check', campaign.config, '--parallelism', '100001']);
    assert.equal(bad.code, 2);
    assert.deepEqual(fs.readdirSync(campaign.dir).sort(), ['campaign.yaml', 'prices.csv']);
  });

  test('a bad flag value', async () => {
    const campaign = makeCampaign('strategy: sma_crossover\nparams: { fast: { low: 5, high: 10 } }\n');
    const result = await tuneflow(['run', campaign.config, '--parallelism', '0']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--parallelism takes a whole number of at least 1, got "0"/);
  });
});
