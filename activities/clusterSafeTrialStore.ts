import type { RedisClient } from './redisClient';
import { keys, TrialStore, type SessionMeta } from './trialStore';

/**
 * The trial store with a session's registration as two writes instead of one MULTI: the session's meta lives in
 * its own hash slot (`{<session>}`) and the index of sessions in another, and on a Redis Cluster a MULTI may
 * touch only one slot. The index is written first, so a session whose meta exists is always indexed; a
 * failure between the two leaves an indexed session without meta, which beginSession's retry completes
 * (ZADD NX keeps its first start time, SET rewrites the same JSON).
 */
export class ClusterSafeTrialStore extends TrialStore {
  constructor(private readonly client: RedisClient) {
    super(client);
  }

  override async putMeta(meta: SessionMeta): Promise<void> {
    await this.client.zadd(keys.sessions, 'NX', meta.startedAt, meta.sessionId);
    await this.client.set(keys.meta(meta.sessionId), JSON.stringify(meta));
  }
}
