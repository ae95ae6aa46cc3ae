import { Cluster } from 'ioredis';
import { createRedisClient, type RedisClient } from '../store/redis/client';
import { redactUrl } from '../store/redis/url';
import { UnreachableServiceError } from '../errors';

/** How long connecting to Redis may take before a command gives up with a message. */
export const REDIS_CONNECT_TIMEOUT_MS = 10_000;

/**
 * A connection to the trial store for a command that ends: connecting is bounded, and a connection lost
 * later is retried a few times, not forever, so an unreachable Redis ends the command with a message.
 * @throws UnreachableServiceError naming the URL.
 */
export async function openRedis(url: string): Promise<RedisClient> {
  const redis = createRedisClient(url, {
    lazyConnect: true,
    connectTimeout: REDIS_CONNECT_TIMEOUT_MS,
    maxRetriesPerRequest: 3,
    retryStrategy: (times) => (times > 3 ? null : 200 * times),
  });
  let lastError = '';
  // Failures surface through connect() and each command; without a listener ioredis would print them too.
  redis.on('error', (err: Error) => {
    lastError = err.message;
  });
  // A cluster's own error only says that no node answered; the nodes' errors say why.
  let nodeError = '';
  if (redis instanceof Cluster) redis.on('node error', (err: Error, node: string) => (nodeError = `${node}: ${err.message}`));
  let timer: NodeJS.Timeout | undefined;
  // connectTimeout covers the TCP handshake only; a server that accepts and never answers needs this.
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${REDIS_CONNECT_TIMEOUT_MS / 1000} s`)), REDIS_CONNECT_TIMEOUT_MS);
  });
  try {
    await Promise.race([redis.connect(), deadline]);
    return redis;
  } catch (err) {
    redis.disconnect();
    throw new UnreachableServiceError(
      `Cannot reach Redis at ${redactUrl(url)}: ${nodeError || lastError || (err as Error).message}. Check that REDIS_URL names a running Redis or Redis Cluster ` +
        '(the trial store shared by the fleet, e.g. redis://127.0.0.1:6390 as `tuneflow dev` prints it), or unset it to use the local one tuneflow runs.',
    );
  } finally {
    clearTimeout(timer);
  }
}

/** Fails like openRedis when the trial store at `url` cannot be reached. */
export async function checkRedis(url: string): Promise<void> {
  (await openRedis(url)).disconnect();
}
