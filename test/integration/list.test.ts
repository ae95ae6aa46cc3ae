import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { SessionRow } from '../../cli/sessionList';
import { tuneflow } from '../helpers/cli';
import { makeCampaign, SMA_GRID } from '../helpers/campaign';
import { connectTestClient, SKIP_REASON, testServices, uniqueId, withWorker } from '../helpers/stack';
import { until } from '../helpers/until';

const services = testServices();

const EMA_GRID = `strategy: ema_crossover
params:
  fast: { type: int, low: 5, high: 15, step: 5 }
  slow: { type: int, low: 20, high: 40, step: 10 }
objective: sharpe
`;

describe('tuneflow list against the real stack', { skip: services ? false : SKIP_REASON }, () => {
  const { address, redisUrl } = services ?? { address: '', redisUrl: '' };

  test('finds sessions by tag, strategy and status, newest first, with trials done and best score', async () => {
    const common = uniqueId('team');
    const only = uniqueId('only');
    const taskQueue = uniqueId('tq');
    const env = { TEMPORAL_ADDRESS: address, REDIS_URL: redisUrl, TUNEFLOW_TASK_QUEUE: taskQueue };
    const list = async (...args: string[]): Promise<{ matched: number; sessions: SessionRow[] }> => {
      const result = await tuneflow(['list', '--json', ...args], env);
      assert.equal(result.code, 0, result.stderr);
      return JSON.parse(result.stdout) as { matched: number; sessions: SessionRow[] };
    };
    const ids = (rows: SessionRow[]) => rows.map((s) => s.sessionId);

    const sma = { id: uniqueId('sma'), campaign: makeCampaign(`${SMA_GRID}session: { tags: [${common}, ${only}] }\n`) };
    const ema = { id: uniqueId('ema'), campaign: makeCampaign(`${EMA_GRID}session: { tags: [${common}] }\n`) };
    const smaRun = await withWorker({ address, redisUrl, taskQueue }, async () => {
      const first = await tuneflow(['run', sma.campaign.config, '--session-id', sma.id, '--json'], env);
      const second = await tuneflow(['run', ema.campaign.config, '--session-id', ema.id, '--json'], env);
      assert.equal(second.code, 0, second.stderr);
      return first;
    });
    assert.equal(smaRun.code, 0, smaRun.stderr);
    const best = (JSON.parse(smaRun.stdout) as { best: { objective: number } }).best.objective;

    // Cancelled before any worker polls its queue, so it ends cancelled, not completed, once one does.
    const cancelled = { id: uniqueId('cancelled'), campaign: makeCampaign(`${SMA_GRID}session: { tags: [${common}] }\n`) };
    const idleQueue = uniqueId('idle');
    const started = await tuneflow(['run', cancelled.campaign.config, '--session-id', cancelled.id, '--detach'], { ...env, TUNEFLOW_TASK_QUEUE: idleQueue });
    assert.equal(started.code, 0, started.stderr);
    const cancel = await tuneflow(['cancel', cancelled.id], env);
    assert.equal(cancel.code, 0, cancel.stderr);
    const { client, close } = await connectTestClient(address);
    try {
      await withWorker({ address, redisUrl, taskQueue: idleQueue }, () =>
        until('the session is cancelled', async () => (await client.workflow.getHandle(cancelled.id).describe()).status.name === 'CANCELLED', 30_000, 200),
      );
    } finally {
      await close();
    }

    // No worker polls this queue: the session stays running until the test terminates it.
    const waiting = { id: uniqueId('waiting'), campaign: makeCampaign(`${SMA_GRID}session: { tags: [${common}] }\n`) };
    const detached = await tuneflow(['run', waiting.campaign.config, '--session-id', waiting.id, '--detach'], { ...env, TUNEFLOW_TASK_QUEUE: uniqueId('nobody') });
    assert.equal(detached.code, 0, detached.stderr);

    const newestFirst = [waiting.id, cancelled.id, ema.id, sma.id];
    await until('visibility lists the four sessions', async () => (await list('--tag', common)).sessions.length === 4, 30_000, 300);
    const all = await list('--tag', common);
    assert.deepEqual(ids(all.sessions), newestFirst);
    assert.equal(all.matched, 4);

    const smaRow = all.sessions.find((s) => s.sessionId === sma.id)!;
    assert.equal(smaRow.status, 'COMPLETED');
    assert.equal(smaRow.strategy, 'sma_crossover');
    assert.equal(smaRow.algorithm, 'grid');
    assert.equal(smaRow.trialsDone, 24);
    assert.equal(smaRow.bestScore, best);
    assert.deepEqual(smaRow.tags, [common, only]);

    assert.deepEqual(ids((await list('--tag', only)).sessions), [sma.id], 'one tag');
    assert.deepEqual(ids((await list('--tag', common, '--tag', only)).sessions), [sma.id], 'every tag given');
    assert.deepEqual(ids((await list('--tag', common, '--strategy', 'ema_crossover')).sessions), [ema.id]);
    assert.deepEqual(ids((await list('--tag', common, '--status', 'completed')).sessions), [ema.id, sma.id]);
    assert.deepEqual(ids((await list('--tag', common, '--status', 'running')).sessions), [waiting.id]);
    assert.deepEqual(ids((await list('--tag', common, '--status', 'cancelled')).sessions), [cancelled.id]);
    assert.deepEqual(ids((await list('--tag', common, '--status', 'failed')).sessions), []);

    const limited = await tuneflow(['list', '--tag', common, '--limit', '2'], env);
    assert.equal(limited.code, 0, limited.stderr);
    const lines = limited.stdout.trimEnd().split('\n');
    assert.match(lines[0], /^session\s+status\s+started \(UTC\)\s+strategy\s+algorithm\s+trials\s+best\s+tags$/);
    assert.match(lines[1], new RegExp(`^${waiting.id}\\s+running\\s`));
    assert.match(lines[2], new RegExp(`^${cancelled.id}\\s+cancelled\\s`));
    assert.equal(lines[3], 'The newest 2 of 4 sessions; --limit shows more.');

    const admin = await connectTestClient(address);
    try {
      await admin.client.workflow.getHandle(waiting.id).terminate('test over');
    } finally {
      await admin.close();
    }
    await until('the terminated session counts as failed', async () => ids((await list('--tag', common, '--status', 'failed')).sessions)[0] === waiting.id, 30_000, 300);
  });

  test('lists sessions, never their walk-forward splits', async () => {
    const tag = uniqueId('wf');
    const taskQueue = uniqueId('tq');
    const env = { TEMPORAL_ADDRESS: address, REDIS_URL: redisUrl, TUNEFLOW_TASK_QUEUE: taskQueue };
    const campaign = makeCampaign(`${SMA_GRID}search: { trials: 6 }\nwalk_forward: { splits: 2, train: 200, test: 100, top_n: 1 }\nsession: { tags: [${tag}] }\n`);
    const sessionId = uniqueId('walk');
    const run = await withWorker({ address, redisUrl, taskQueue }, () => tuneflow(['run', campaign.config, '--session-id', sessionId, '--json'], env));
    assert.equal(run.code, 0, run.stderr);
    // Without a tag or strategy, only the workflow type keeps the splits (children without attributes) out.
    let listed: SessionRow[] = [];
    await until('visibility lists the walk-forward session', async () => {
      const result = await tuneflow(['list', '--status', 'completed', '--limit', '10000', '--json'], env);
      listed = (JSON.parse(result.stdout) as { sessions: SessionRow[] }).sessions;
      return listed.some((s) => s.sessionId === sessionId);
    }, 30_000, 300);
    assert.deepEqual(listed.filter((s) => s.sessionId.includes('/split-')), []);
    const walk = listed.find((s) => s.sessionId === sessionId);
    assert.equal(walk?.trialsDone, 12, 'the parent counts its splits\' trials');
    assert.equal(typeof walk?.bestScore, 'number');
    assert.equal(new Set(listed.map((s) => s.sessionId)).size, listed.length, 'each session once');
  });

  test('bad flags end in exit 2 before any server is asked', async () => {
    for (const [args, expect] of [
      [['--status', 'done'], /--status takes one of running, completed, failed, cancelled, got "done"/],
      [['--limit', '0'], /--limit takes a whole number of at least 1, got "0"/],
    ] as const) {
      const result = await tuneflow(['list', ...args], { TEMPORAL_ADDRESS: '127.0.0.1:1' });
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, expect);
    }
  });
});
