import { mergeSessionTimes, noPhaseMs, SLOWEST_KEPT, wallBucket, type BatchTime, type SessionTimes } from '../../analysis/timeBreakdown';
import { TRIAL_PHASES } from '../../types/session';
import type { RedisClient } from './client';

/**
 * Where a session's trial time went, in two keys of the session's slot: `tf:{<session>}:time`, a hash of
 * totals (`batches`, `trials`, `wall_ms`, `<phase>_ms`) and of a wall-time histogram (`wall:<bucket>`, see
 * wallBucket), and `tf:{<session>}:time:slowest`, a sorted set of the slowest batches (JSON, scored by wall
 * ms). Both stay small whatever the number of batches: a fixed set of fields, and SLOWEST_KEPT members.
 */
export const timeKeys = {
  totals: (session: string) => `tf:{${session}}:time`,
  slowest: (session: string) => `tf:{${session}}:time:slowest`,
};

const ms = (value: number) => (Math.round(value * 1000) / 1000).toFixed(3);

/**
 * Counters only grow and the slowest set keeps its top by score, so workers add to a session's times
 * concurrently without reading them. A batch retried after its worker died adds the trials its new attempt
 * evaluated again: the time was spent twice.
 */
export class BatchTimeStore {
  constructor(private readonly redis: RedisClient) {}

  /** Adds one batch, in one transaction on the session's slot. */
  async record(sessionId: string, batch: BatchTime): Promise<void> {
    const totals = timeKeys.totals(sessionId);
    const slowest = timeKeys.slowest(sessionId);
    const tx = this.redis
      .multi()
      .hincrby(totals, 'batches', 1)
      .hincrby(totals, 'trials', batch.trials)
      .hincrbyfloat(totals, 'wall_ms', ms(batch.wallMs))
      .hincrby(totals, `wall:${wallBucket(batch.wallMs)}`, 1);
    for (const phase of TRIAL_PHASES) tx.hincrbyfloat(totals, `${phase}_ms`, ms(batch.phases[phase]));
    await tx
      .zadd(slowest, batch.wallMs, JSON.stringify(batch))
      .zremrangebyrank(slowest, 0, -(SLOWEST_KEPT + 1))
      .exec();
  }

  /** What the store holds for a session; null when no batch of it was timed (sessions of earlier releases). */
  async read(sessionId: string): Promise<SessionTimes | null> {
    const [fields, slowest] = await Promise.all([
      this.redis.hgetall(timeKeys.totals(sessionId)),
      this.redis.zrevrange(timeKeys.slowest(sessionId), 0, SLOWEST_KEPT - 1),
    ]);
    if (!fields.batches) return null;
    const phases = noPhaseMs();
    for (const phase of TRIAL_PHASES) phases[phase] = Number(fields[`${phase}_ms`] ?? 0);
    const wallBuckets = Object.entries(fields)
      .filter(([field]) => field.startsWith('wall:'))
      .map(([field, n]): [number, number] => [Number(field.slice(5)), Number(n)])
      .sort((a, b) => a[0] - b[0]);
    return {
      batches: Number(fields.batches),
      trials: Number(fields.trials ?? 0),
      wallMs: Number(fields.wall_ms ?? 0),
      phases,
      wallBuckets,
      slowest: slowest.map((member) => JSON.parse(member) as BatchTime),
    };
  }

  /** The times of several sessions as one (a walk-forward session's splits); null when none has any. */
  async readMany(sessionIds: readonly string[]): Promise<SessionTimes | null> {
    const found = (await Promise.all(sessionIds.map((id) => this.read(id)))).filter((t): t is SessionTimes => t !== null);
    return found.length ? mergeSessionTimes(found) : null;
  }
}
