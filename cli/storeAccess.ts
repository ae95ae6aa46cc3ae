import type { RedisClient } from '../store/redis/client';
import { RedisTrialStore } from '../store/redis/trialStore';
import type { TrialStore, SessionMeta } from '../store/trialStore';
import { InputError } from '../errors';
import type { SessionSpec } from '../types/session';
import { EXIT } from './errors';
import { watchInterrupts } from './interrupts';
import { openRedis } from './redisClient';
import { resolveTrialStore } from './services';

/**
 * Opens the trial store (see resolveTrialStore) and hands the connection to `fn`, closing it and letting go
 * of the store afterwards. SIGINT or SIGTERM end the process with code 130, after `onInterrupt` (which must
 * not wait for anything).
 */
export async function withTrialStore<T>(fn: (ctx: { redis: RedisClient; url: string }) => Promise<T>, onInterrupt: () => void = () => undefined): Promise<T> {
  const exit = (): never => {
    onInterrupt();
    return process.exit(EXIT.interrupted);
  };
  // Interrupted, even while it starts the local Redis, the command lets go of the store once it holds it, so
  // a Redis it started does not outlive it; a second signal exits at once.
  const interrupts = watchInterrupts(exit);
  const acquiring = resolveTrialStore();
  void interrupts.first.then(async () => {
    (await acquiring.catch(() => null))?.releaseNow();
    exit();
  });
  let access;
  try {
    access = await acquiring;
  } catch (err) {
    interrupts.dispose();
    throw err;
  }
  try {
    const redis = await openRedis(access.url);
    try {
      return await fn({ redis, url: access.url });
    } finally {
      redis.disconnect();
    }
  } finally {
    interrupts.dispose();
    await access.release();
  }
}

/**
 * Finds the session in the trial store and hands both to `fn`.
 * @throws InputError when the store has no such session.
 */
export async function withSession<T>(
  sessionId: string,
  fn: (ctx: { store: TrialStore; redis: RedisClient; meta: SessionMeta; spec: SessionSpec }) => Promise<T>,
): Promise<T> {
  return withTrialStore(async ({ redis, url }) => {
    const store = new RedisTrialStore(redis);
    const meta = await store.getMeta(sessionId);
    if (!meta) throw new InputError(`No session "${sessionId}" in the trial store at ${url}.`);
    return fn({ store, redis, meta, spec: meta.spec as SessionSpec });
  });
}
