import assert from 'node:assert/strict';
import { test } from 'node:test';
import { aggregateInThread } from '../../activities/aggregationThread';
import type { SessionSpec } from '../../types/session';
import { InputError } from '../../errors';

test('a bad TUNEFLOW_AGGREGATION_HEAP_MB is an input error naming the variable, before any thread starts', async () => {
  const before = process.env.TUNEFLOW_AGGREGATION_HEAP_MB;
  try {
    for (const bad of ['lots', '12', '256.5']) {
      process.env.TUNEFLOW_AGGREGATION_HEAP_MB = bad;
      const job = {
        redisUrl: 'redis://127.0.0.1:1',
        input: { spec: { sessionId: 's' } as SessionSpec, leaderboard: [], counts: { succeeded: 0, failed: 0 }, runs: 1, stoppedBy: 'complete' as const, startedAt: 0 },
        versions: {},
        statistics: { workers: {}, times: null },
      };
      await assert.rejects(aggregateInThread(job), (err: unknown) => err instanceof InputError && err.message.includes(`TUNEFLOW_AGGREGATION_HEAP_MB`) && err.message.includes(JSON.stringify(bad)));
    }
  } finally {
    if (before === undefined) delete process.env.TUNEFLOW_AGGREGATION_HEAP_MB;
    else process.env.TUNEFLOW_AGGREGATION_HEAP_MB = before;
  }
});
