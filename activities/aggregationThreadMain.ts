import { parentPort, workerData } from 'node:worker_threads';
import { InputError } from '../errors';
import { aggregate } from './aggregate';
import type { AggregationJob, AggregationReply } from './aggregationThread';
import { connectRedis } from '../store/redis/client';
import { RedisTrialStore } from '../store/redis/trialStore';

/** The aggregation thread (see aggregateInThread): one aggregation, its result or its error posted back. */
async function main(job: AggregationJob): Promise<AggregationReply> {
  // Like the worker's own connection, it waits out a Redis outage instead of failing the attempt.
  const redis = connectRedis(job.redisUrl, { role: `aggregation of ${job.input.spec.sessionId}`, maxRetriesPerRequest: null });
  try {
    return { result: await aggregate(new RedisTrialStore(redis), job.input, job.versions, job.statistics) };
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    const code = (err as NodeJS.ErrnoException).code;
    return { failure: { input: err instanceof InputError, name: e.name, message: e.message, ...(typeof code === 'string' ? { code } : {}) } };
  } finally {
    redis.disconnect();
  }
}

void main(workerData as AggregationJob).then((reply) => parentPort!.postMessage(reply));
