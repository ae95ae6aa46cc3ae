import type { MetricValues } from '../../types/trial';
import type { RedisClient } from './client';

/**
 * Redis key layout of the result cache, shared by every session that opts in (`cache:` in the YAML). Its keys
 * share one hash tag, so the scripts that read and bound them run on one Redis Cluster node:
 *
 * | key                          | type   | holds                                                        |
 * |------------------------------|--------|--------------------------------------------------------------|
 * | `tf:cache:{results}:metrics` | hash   | cache key (resultCacheKey) → the backtest's metrics as JSON  |
 * | `tf:cache:{results}:used`    | zset   | cache keys scored by the clock's value at their last use     |
 * | `tf:cache:{results}:clock`   | string | a counter, one tick per use, so uses in one ms keep an order |
 *
 * Least recently used entries are evicted past a session's `cache.max_entries`, whoever wrote them.
 */
export const cacheKeys = {
  metrics: 'tf:cache:{results}:metrics',
  used: 'tf:cache:{results}:used',
  clock: 'tf:cache:{results}:clock',
};

/** Returns the metrics of each key in ARGV (false when absent) and marks the hits used, in ARGV order. */
const LOOK_UP = `
local out = redis.call('HMGET', KEYS[1], unpack(ARGV))
for i, v in ipairs(out) do
  if v then redis.call('ZADD', KEYS[2], redis.call('INCR', KEYS[3]), ARGV[i]) end
end
return out
`;

/**
 * Stores pairs (key, metrics JSON) from ARGV[2..], each as used now, then evicts the least recently used
 * entries past ARGV[1]; returns how many it evicted. Victims go a thousand at a time (Lua's unpack limit).
 */
const STORE = `
for i = 2, #ARGV, 2 do
  redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
  redis.call('ZADD', KEYS[2], redis.call('INCR', KEYS[3]), ARGV[i])
end
local excess = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[1])
local evicted = 0
while excess > 0 do
  local victims = redis.call('ZRANGE', KEYS[2], 0, math.min(excess, 1000) - 1)
  redis.call('HDEL', KEYS[1], unpack(victims))
  redis.call('ZREM', KEYS[2], unpack(victims))
  excess = excess - #victims
  evicted = evicted + #victims
end
return evicted
`;

/** Backtest results by content (see resultCacheKey), bounded by entries and evicted least recently used first. */
export class ResultCache {
  constructor(private readonly redis: RedisClient) {}

  /** The cached metrics of each key (null on a miss); hits count as a use for eviction. */
  async lookUp(keys: readonly string[]): Promise<Array<MetricValues | null>> {
    if (keys.length === 0) return [];
    const found = (await this.redis.eval(LOOK_UP, 3, cacheKeys.metrics, cacheKeys.used, cacheKeys.clock, ...keys)) as Array<string | null>;
    return found.map((json) => (typeof json === 'string' ? (JSON.parse(json) as MetricValues) : null));
  }

  /** Stores results, then evicts the least recently used entries past `maxEntries`; returns how many were evicted. */
  async store(entries: ReadonlyArray<{ key: string; metrics: MetricValues }>, maxEntries: number): Promise<number> {
    if (entries.length === 0) return 0;
    const args = entries.flatMap((e) => [e.key, JSON.stringify(e.metrics)]);
    return (await this.redis.eval(STORE, 3, cacheKeys.metrics, cacheKeys.used, cacheKeys.clock, maxEntries, ...args)) as number;
  }

  /** Entries held now. */
  async size(): Promise<number> {
    return this.redis.zcard(cacheKeys.used);
  }

  /** Removes every entry; returns how many there were. */
  async clear(): Promise<number> {
    const held = await this.size();
    await this.redis.del(cacheKeys.metrics, cacheKeys.used, cacheKeys.clock);
    return held;
  }
}
