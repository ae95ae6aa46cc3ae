import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { WorkflowFailedError } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { RedisTrialStore } from '../../store/redis/trialStore';
import { startOrAttach } from '../../cli/sessionClient';
import { loadSessionSpec } from '../../config/load';
import type { SessionSpec, SessionSummary } from '../../types/session';
import { makeCampaign } from '../helpers/campaign';
import { allKeys } from '../helpers/redisKeys';
import { connectTestClient, redisClient, SKIP_REASON, testServices, uniqueId, withWorker } from '../helpers/stack';

const services = testServices();

/** An evaluator that reports the length of the TOKEN it was given, so the test sees that the value arrived. */
const REPORT_TOKEN_LENGTH = 'console.log(JSON.stringify({ score: (process.env.TOKEN || "").length }))';

function campaign(reference: string): string {
  return `evaluator:
  command: ${JSON.stringify([process.execPath, '-e', REPORT_TOKEN_LENGTH])}
  env: { MODE: plain-setting, TOKEN: { from_env: ${reference} } }
params:
  x: [1, 2, 3]
objective: { metric: score, direction: maximize }
trial: { retry: { initial_interval: 100ms, maximum_attempts: 3 } }
`;
}

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

describe('evaluator secrets on the real stack', { skip: services ? false : SKIP_REASON }, () => {
  const { address, redisUrl } = services ?? { address: '', redisUrl: '' };
  const redis = redisClient(redisUrl || 'redis://127.0.0.1:1');
  const store = new RedisTrialStore(redis);
  let client: Awaited<ReturnType<typeof connectTestClient>>;
  const secretName = `TUNEFLOW_TEST_SECRET_${randomUUID().slice(0, 8).toUpperCase()}`;
  const secret = `sekret-${randomUUID()}`;

  before(async () => {
    client = await connectTestClient(address);
    process.env[secretName] = secret;
  });
  after(async () => {
    delete process.env[secretName];
    redis.disconnect();
    await client.close();
  });

  async function run(reference: string): Promise<{ spec: SessionSpec; summary: SessionSummary }> {
    const { config } = makeCampaign(campaign(reference));
    const spec = { ...loadSessionSpec(config, { sessionId: uniqueId('secrets') }), taskQueue: uniqueId('tq') };
    const summary = await withWorker({ address, redisUrl, taskQueue: spec.taskQueue }, async () => (await startOrAttach(client.client, spec)).handle.result());
    return { spec, summary };
  }

  /** Every value in Redis, of every key, as text. */
  async function everythingInRedis(): Promise<string> {
    const parts: string[] = [];
    for (const key of await allKeys(redis)) {
      const type = await redis.type(key);
      if (type === 'string') parts.push((await redis.get(key)) ?? '');
      else if (type === 'zset') parts.push(...(await redis.zrange(key, 0, -1)));
      else if (type === 'hash') parts.push(...Object.entries(await redis.hgetall(key)).flat());
      else if (type === 'set') parts.push(...(await redis.smembers(key)));
      else if (type === 'list') parts.push(...(await redis.lrange(key, 0, -1)));
    }
    return parts.join('\n');
  }

  test('a from_env value reaches the command and nothing else: not history, Redis or the output files', async () => {
    const { spec, summary } = await run(secretName);
    assert.equal(summary.counts.succeeded, 3);
    for (const record of await store.allTrials(spec.sessionId)) assert.equal(record.metrics.score, secret.length);

    const history = await client.client.workflow.getHandle(spec.sessionId).fetchHistory();
    const bytes = Buffer.from(temporal.api.history.v1.History.encode(history).finish());
    assert.ok(bytes.includes(secretName), 'history holds the reference');
    assert.ok(bytes.includes('plain-setting'), 'and literal values');
    assert.ok(!bytes.includes(secret), 'but not the value');

    const stored = await everythingInRedis();
    assert.ok(stored.includes(secretName) && !stored.includes(secret), 'Redis holds the reference only');

    const files = filesUnder(path.join(spec.output.dir, spec.sessionId));
    assert.ok(files.some((f) => f.endsWith('run.json')) && files.some((f) => f.endsWith('.log')));
    for (const file of files) assert.ok(!fs.readFileSync(file, 'utf8').includes(secret), `${file} does not hold the value`);
  });

  test('a reference to a variable the worker lacks fails the trial without retry and stops the session, saying what to set', async () => {
    const missing = `${secretName}_ABSENT`;
    const spec = { ...loadSessionSpec(makeCampaign(campaign(missing)).config, { sessionId: uniqueId('secrets') }), taskQueue: uniqueId('tq') };
    const failure = await withWorker({ address, redisUrl, taskQueue: spec.taskQueue }, async () => (await startOrAttach(client.client, spec)).handle.result()).then(
      () => assert.fail('a session whose trials cannot get their configuration must fail'),
      (err: unknown) => err,
    );
    assert.ok(failure instanceof WorkflowFailedError);
    assert.match(failure.cause?.message ?? '', new RegExp(`cannot run: .*${missing}`));
    const records = await store.allTrials(spec.sessionId);
    assert.ok(records.length >= 1);
    for (const record of records) {
      assert.equal(record.status, 'failed');
      assert.equal(record.attempt, 1, 'not retried');
      assert.match(record.error ?? '', new RegExp(`evaluator\\.env\\.TOKEN takes its value from the environment variable ${missing} \\(from_env\\), which worker "test-worker" does not have\\. Set ${missing} in the environment of every worker on task queue "${spec.taskQueue}"`));
    }
  });
});
