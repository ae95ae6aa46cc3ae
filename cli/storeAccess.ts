import Redis from 'ioredis';
import { connectRedis } from '../activities/redisClient';
import { TrialStore, type SessionMeta } from '../activities/trialStore';
import { ensureRedis } from '../scripts/redis';
import { InputError } from '../types/errors';
import type { SessionSpec } from '../types/session';

/**
 * Opens the trial store (REDIS_URL, or the local Redis tuneflow runs), finds the session in it and hands
 * both to `fn`, closing the connection afterwards.
 * @throws InputError when the store has no such session.
 */
export async function withSession<T>(
  sessionId: string,
  fn: (ctx: { store: TrialStore; redis: Redis; meta: SessionMeta; spec: SessionSpec }) => Promise<T>,
): Promise<T> {
  const service = await ensureRedis({ name: 'dev', log: (l) => console.error(l) });
  const redis = connectRedis(service.url, { role: 'tuneflow CLI', maxRetriesPerRequest: 3 });
  try {
    const store = new TrialStore(redis);
    const meta = await store.getMeta(sessionId);
    if (!meta) throw new InputError(`No session "${sessionId}" in the trial store at ${service.url}.`);
    return await fn({ store, redis, meta, spec: meta.spec as SessionSpec });
  } finally {
    redis.disconnect();
    await service.stop();
  }
}
