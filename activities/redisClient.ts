import Redis, { type RedisOptions } from 'ioredis';

/** ioredis' options, except its Sentinel `role`: tuneflow connects by URL, and `role` names the holder here. */
export interface ConnectRedisOptions extends Omit<RedisOptions, 'role'> {
  /** Who holds the connection, named in the log lines, e.g. `worker host-1234` or `tuneflow CLI`. */
  role: string;
  /** Where the outage lines go (default: stderr). */
  log?: (line: string) => void;
}

/**
 * An ioredis client that reports an outage in two lines: one when the connection is lost (or cannot be made at
 * all), one when it is back. ioredis retries the connection on its own; without an 'error' listener it would
 * print every failed attempt with a stack, over a hundred a minute while Redis is down.
 * @example const redis = connectRedis(process.env.REDIS_URL!, { role: 'worker a', maxRetriesPerRequest: null });
 */
export function connectRedis(url: string, options: ConnectRedisOptions): Redis {
  const { role, log = (line: string) => console.error(line), ...redisOptions } = options;
  const redis = new Redis(url, redisOptions);
  const where = `Redis at ${redactUrl(url)} (${role})`;
  let everReady = false;
  let down = false;
  redis.on('error', (err: Error) => {
    if (down) return;
    down = true;
    log(`tuneflow: ${where}: ${everReady ? 'connection lost' : 'cannot reach it'}: ${err.message}; retrying until it is back.`);
  });
  redis.on('ready', () => {
    if (down) log(`tuneflow: ${where}: connection is back.`);
    down = false;
    everReady = true;
  });
  return redis;
}

/** The URL with its password replaced by `***`, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url.replace(/\/\/[^/@]*@/, '//***@');
  }
}
