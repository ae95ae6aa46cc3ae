import { Cluster } from 'ioredis';
import type { RedisClient } from '../../store/redis/client';

/**
 * Every key matching `pattern`, by node address: a cluster's keys are spread over its masters, and SCAN on
 * a cluster client would reach only one of them.
 */
export async function keysByNode(redis: RedisClient, pattern = '*'): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const node of redis instanceof Cluster ? redis.nodes('master') : [redis]) {
    const keys: string[] = [];
    for await (const batch of node.scanStream({ match: pattern, count: 500 }) as AsyncIterable<string[]>) keys.push(...batch);
    out.set(`${node.options.host}:${node.options.port}`, keys);
  }
  return out;
}

/** Every key matching `pattern`, on every master of a cluster. */
export async function allKeys(redis: RedisClient, pattern = '*'): Promise<string[]> {
  return [...(await keysByNode(redis, pattern)).values()].flat();
}
