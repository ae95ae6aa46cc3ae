import { RedisTrialStore } from '../store/redis/trialStore';
import { readWarmStart } from '../activities/warmStart';
import type { SessionSpec, WarmStartNote } from '../types/session';
import { openRedis } from './redisClient';

/**
 * Checks a new session's warm start against the trial store at `redisUrl` before the session starts, as its
 * first activity will: the earlier session exists, searched the same parameters, and has succeeded trials in
 * this search space that this config would rank. Reads only.
 * @throws InputError naming `search.warm_start` and what is wrong; UnreachableServiceError for a Redis that does not answer.
 */
export async function checkWarmStart(redisUrl: string, spec: SessionSpec): Promise<WarmStartNote> {
  const redis = await openRedis(redisUrl);
  try {
    return (await readWarmStart(new RedisTrialStore(redis), spec)).note;
  } finally {
    redis.disconnect();
  }
}

/** `, warm-started from <session> with N trials` for the line that says a session started. */
export function warmStartClause(note: WarmStartNote): string {
  return `, warm-started from ${note.session} with ${note.trials} trials`;
}
