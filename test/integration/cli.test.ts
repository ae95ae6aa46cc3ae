import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { TrialStore } from '../../activities/trialStore';
import { PROJECT_ROOT } from '../../scripts/paths';
import { makeCampaign } from '../helpers/campaign';
import { redisClient, SKIP_REASON, testServices, uniqueId, withWorker } from '../helpers/stack';

const BIN = path.join(PROJECT_ROOT, 'bin', 'tuneflow');

function tuneflow(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

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
      const records = await new TrialStore(redis).allTrials(sessionId);
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

  test('a bad flag value', async () => {
    const campaign = makeCampaign('strategy: sma_crossover\nparams: { fast: { low: 5, high: 10 } }\n');
    const result = await tuneflow(['run', campaign.config, '--parallelism', '0']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--parallelism takes a whole number of at least 1, got "0"/);
  });
});
