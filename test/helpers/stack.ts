import { NativeConnection } from '@temporalio/worker';
import { Client, Connection } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import type { TrialEvaluator } from '../../evaluators/index';
import { connectRedis, type RedisClient } from '../../store/redis/client';
import { createTuneflowWorker, installRuntime } from '../../workers/worker';

/**
 * The real Temporal dev server and Redis that `npm test` (scripts/runTests) starts for the whole run.
 * Integration tests skip with a reason when run outside it.
 */
export function testServices(): { address: string; redisUrl: string } | null {
  const address = process.env.TUNEFLOW_TEST_TEMPORAL_ADDRESS;
  const redisUrl = process.env.TUNEFLOW_TEST_REDIS_URL;
  return address && redisUrl ? { address, redisUrl } : null;
}

export const SKIP_REASON = 'needs the Temporal dev server and Redis that `npm test` starts';

/**
 * The local Redis Cluster `npm test` starts next to the single Redis, or why a test needing it skips: set-up
 * could not start one (no redis-cli, no cluster mode), or the test runs outside `npm test`.
 */
export function testCluster(): { address: string; clusterUrl: string } | { skip: string } {
  const address = process.env.TUNEFLOW_TEST_TEMPORAL_ADDRESS;
  const clusterUrl = process.env.TUNEFLOW_TEST_REDIS_CLUSTER_URL;
  if (address && clusterUrl) return { address, clusterUrl };
  const unavailable = process.env.TUNEFLOW_TEST_REDIS_CLUSTER_UNAVAILABLE;
  return { skip: unavailable ? `no local Redis Cluster: ${unavailable}` : 'needs the Temporal dev server and Redis Cluster that `npm test` starts' };
}

export function uniqueId(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

export async function connectTestClient(address: string): Promise<{ client: Client; close(): Promise<void> }> {
  const connection = await Connection.connect({ address });
  return { client: new Client({ connection }), close: () => connection.close() };
}

/** Runs `fn` while a tuneflow worker (optionally with a test evaluator) polls `taskQueue`. */
export async function withWorker<T>(
  opts: { address: string; redisUrl: string; taskQueue: string; evaluate?: TrialEvaluator; workerId?: string; concurrency?: number },
  fn: () => Promise<T>,
): Promise<T> {
  installRuntime();
  const connection = await NativeConnection.connect({ address: opts.address });
  const { worker, close } = await createTuneflowWorker({
    connection,
    namespace: 'default',
    taskQueue: opts.taskQueue,
    redisUrl: opts.redisUrl,
    workerId: opts.workerId ?? 'test-worker',
    concurrency: opts.concurrency,
    evaluate: opts.evaluate,
    shutdownGraceMs: 1000,
  });
  try {
    return await worker.runUntil(fn());
  } finally {
    await close();
    await connection.close();
  }
}

export function redisClient(url: string): RedisClient {
  return connectRedis(url, { role: 'test', maxRetriesPerRequest: 3 });
}
