import Redis, { Cluster, type RedisOptions } from 'ioredis';
import { parseRedisUrl, redactUrl } from './url';

/** A tuneflow Redis client: one node, or a Redis Cluster when the URL names one (see parseRedisUrl). */
export type RedisClient = Redis | Cluster;

/** ioredis' options for one node, except its Sentinel `role`; for a cluster they apply to every node. */
export type RedisClientOptions = Omit<RedisOptions, 'role'>;

/**
 * A client for what `url` names. A cluster takes the node options for each of its nodes, except those it
 * drives itself: connecting lazily, the offline queue, and reconnecting (`retryStrategy` becomes its
 * `clusterRetryStrategy`, since ioredis never reconnects a cluster's nodes on their own).
 */
export function createRedisClient(url: string, options: RedisClientOptions = {}): RedisClient {
  const target = parseRedisUrl(url);
  if (target.kind === 'node') return new Redis(url, options);
  const { lazyConnect, enableOfflineQueue, retryStrategy, ...nodeOptions } = options;
  return new Cluster(target.nodes, {
    lazyConnect,
    enableOfflineQueue,
    ...(retryStrategy ? { clusterRetryStrategy: retryStrategy } : {}),
    redisOptions: {
      ...nodeOptions,
      ...(target.username ? { username: target.username } : {}),
      ...(target.password ? { password: target.password } : {}),
      ...(target.tls ? { tls: {} } : {}),
    },
  });
}

export interface ConnectRedisOptions extends RedisClientOptions {
  /** Who holds the connection, named in the log lines, e.g. `worker host-1234` or `tuneflow CLI`. */
  role: string;
  /** Where the outage lines go (default: stderr). */
  log?: (line: string) => void;
}

/**
 * A client that reports an outage in two lines: one when the connection is lost (or cannot be made at all),
 * one when it is back. ioredis retries the connection on its own; without an 'error' listener it would print
 * every failed attempt with a stack, over a hundred a minute while Redis is down. A cluster reports a lost
 * node as 'node error' while it stays ready for the others' slots, so only a reconnection of the whole
 * cluster is reported as back.
 * @example const redis = connectRedis(process.env.REDIS_URL!, { role: 'worker a', maxRetriesPerRequest: null });
 */
export function connectRedis(url: string, options: ConnectRedisOptions): RedisClient {
  const { role, log = (line: string) => console.error(line), ...redisOptions } = options;
  const redis = createRedisClient(url, redisOptions);
  const where = `Redis at ${redactUrl(url)} (${role})`;
  let everReady = false;
  let down = false;
  const onError = (err: Error, node?: string) => {
    if (down) return;
    down = true;
    const what = everReady ? 'connection lost' : 'cannot reach it';
    log(`tuneflow: ${where}: ${what}${node ? ` (node ${node})` : ''}: ${err.message}; retrying until it is back.`);
  };
  redis.on('error', (err: Error) => onError(err));
  if (redis instanceof Cluster) redis.on('node error', (err: Error, node: string) => onError(err, node));
  redis.on('ready', () => {
    if (down) log(`tuneflow: ${where}: connection is back.`);
    down = false;
    everReady = true;
  });
  return redis;
}
