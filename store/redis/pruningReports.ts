import { LIMITS } from '../../config/bounds';
import type { StoredReports } from '../../pruning/checkpointValues';
import type { PruningRule, StageReport } from '../../pruning/rules';
import type { RedisClient } from './client';

/**
 * Where a session with pruning keeps what its trials reported, one sorted set per checkpoint of its rule (the
 * median's stage, ASHA's rung, from 0): `tf:{<session>}:reports:<k>`, members trial ids, scores their objective.
 * A trial reports once per checkpoint, so a batch retried after its worker died writes its trials' reports
 * over themselves instead of counting them twice; and a batch reads a window of ranks (see CheckpointValues)
 * instead of every value, so a read stays a few thousand values at any session size.
 */
export const reportKeys = {
  checkpoint: (session: string, k: number) => `tf:{${session}}:reports:${k}`,
  /** Every key a session may have: its rule has fewer checkpoints than stages. */
  all: (session: string) => Array.from({ length: LIMITS.maxStages }, (_, k) => reportKeys.checkpoint(session, k)),
};

/** Attempts at a consistent read while other batches of the session keep adding reports. */
const READ_ATTEMPTS = 5;

export class PruningReports {
  constructor(private readonly redis: RedisClient) {}

  /**
   * The reports of every checkpoint of `rule`, as a batch whose trials add at most `added` reports to each
   * needs them: the stored count and the window of ranks the rule may read. Counts and windows come from one
   * transaction; the windows are planned from counts read just before, with room for reports other batches
   * add in between, and planned again in the rare case more arrived than that room.
   * @throws Error when other batches kept adding more than the room READ_ATTEMPTS times (retried with the batch).
   */
  async read(sessionId: string, rule: PruningRule, added: number): Promise<StoredReports[]> {
    const keys = Array.from({ length: rule.checkpoints }, (_, k) => reportKeys.checkpoint(sessionId, k));
    if (keys.length === 0) return [];
    const room = Math.max(added, 64);
    let counts = await this.counts(keys);
    for (let attempt = 0; attempt < READ_ATTEMPTS; attempt++) {
      const windows = counts.map((count) => rule.window(count, added + room));
      const tx = this.redis.multi();
      keys.forEach((key, k) => {
        tx.zcard(key);
        if (windows[k].to > windows[k].from) tx.zrange(key, windows[k].from, windows[k].to - 1, 'WITHSCORES');
        else tx.zrange(key, 1, 0);
      });
      const replies = (await tx.exec()) ?? [];
      const values = replies.map(([err, value]) => {
        if (err) throw err;
        return value;
      });
      const now = keys.map((_, k) => Number(values[2 * k]));
      if (now.every((count, k) => count >= counts[k] && count - counts[k] <= room)) {
        return keys.map((_, k) => ({ count: now[k], from: windows[k].from, values: scoresOf(values[2 * k + 1] as string[]) }));
      }
      counts = now;
    }
    throw new Error(`the pruning reports of session ${sessionId} kept changing faster than a batch could read them; the batch is retried`);
  }

  /** Adds trials' reports (idempotent per trial and checkpoint), in one transaction on the session's slot. */
  async add(sessionId: string, reports: ReadonlyArray<StageReport & { trialId: number }>): Promise<void> {
    if (reports.length === 0) return;
    const tx = this.redis.multi();
    for (const r of reports) tx.zadd(reportKeys.checkpoint(sessionId, r.checkpoint), r.value, String(r.trialId));
    const replies = (await tx.exec()) ?? [];
    for (const [err] of replies) if (err) throw err;
  }

  private async counts(keys: string[]): Promise<number[]> {
    const pipeline = this.redis.pipeline();
    for (const key of keys) pipeline.zcard(key);
    return ((await pipeline.exec()) ?? []).map(([err, count]) => {
      if (err) throw err;
      return Number(count);
    });
  }
}

/** The scores of a `ZRANGE … WITHSCORES` reply, ascending; Redis writes a score in a form that reads back as the same double. */
function scoresOf(reply: string[]): number[] {
  const out: number[] = [];
  for (let i = 1; i < reply.length; i += 2) out.push(Number(reply[i]));
  return out;
}
