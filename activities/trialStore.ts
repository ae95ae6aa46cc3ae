import type { RedisClient } from './redisClient';
import type { SplitResult } from '../types/session';
import type { TrialRecord } from '../types/trial';

/**
 * Redis key layout (the `{sessionId}` hash tag keeps one session's keys in one Redis Cluster slot):
 *
 * | key                         | type   | holds                                               |
 * |-----------------------------|--------|-----------------------------------------------------|
 * | `tf:sessions`               | zset   | session ids, scored by start time (epoch ms)         |
 * | `tf:{<session>}:meta`       | string | JSON: the resolved spec, start and end, final status |
 * | `tf:{<session>}:trial:<id>` | string | JSON: one TrialRecord                                |
 * | `tf:{<session>}:trials`     | zset   | index of trial ids (member and score = id)           |
 * | `tf:{<session>}:board`      | zset   | succeeded trial ids scored by objective              |
 *
 * The spec in `meta` holds an evaluator's environment references (`fromEnv`), never their values. A trial
 * record's own `status` field, read by decoding the JSON in the write script, decides whether a write
 * may replace it.
 */
export const keys = {
  sessions: 'tf:sessions',
  meta: (session: string) => `tf:{${session}}:meta`,
  trial: (session: string, id: number) => `tf:{${session}}:trial:${id}`,
  trials: (session: string) => `tf:{${session}}:trials`,
  board: (session: string) => `tf:{${session}}:board`,
};

// A late success of a timed-out attempt must win over a failure record, never the other way round. The stored
// record is decoded rather than searched, because its parameters may hold any text, `"status":"succeeded"`
// included; a record that does not decode is not a success.
const PUT_TRIAL = `
local current = redis.call('GET', KEYS[1])
if current and ARGV[2] == 'failed' then
  local ok, stored = pcall(cjson.decode, current)
  if ok and type(stored) == 'table' and stored['status'] == 'succeeded' then
    return 0
  end
end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[3])
if ARGV[2] == 'succeeded' and ARGV[4] ~= '' then
  redis.call('ZADD', KEYS[3], ARGV[4], ARGV[3])
end
return 1
`;

export interface SessionMeta {
  sessionId: string;
  startedAt: number;
  finishedAt?: number;
  status?: string;
  spec: unknown;
  /** A walk-forward split's result, once it is evaluated out of sample. */
  result?: SplitResult;
}

/**
 * The trial store: every trial's full result, written idempotently under (session, trial id), so a
 * retried or replayed trial overwrites itself and never counts twice. Returned records are copies.
 */
export class TrialStore {
  constructor(private readonly redis: RedisClient) {}

  async putTrial(record: TrialRecord): Promise<boolean> {
    const s = record.sessionId;
    const score = record.objective === null || !Number.isFinite(record.objective) ? '' : String(record.objective);
    const written = await this.redis.eval(
      PUT_TRIAL,
      3,
      keys.trial(s, record.trialId),
      keys.trials(s),
      keys.board(s),
      JSON.stringify(record),
      record.status,
      String(record.trialId),
      score,
    );
    return written === 1;
  }

  /** `putTrial` for several records in one round trip; each keeps its own success-wins rule. */
  async putTrials(records: TrialRecord[]): Promise<boolean[]> {
    if (records.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const record of records) {
      const s = record.sessionId;
      const score = record.objective === null || !Number.isFinite(record.objective) ? '' : String(record.objective);
      pipeline.eval(PUT_TRIAL, 3, keys.trial(s, record.trialId), keys.trials(s), keys.board(s), JSON.stringify(record), record.status, String(record.trialId), score);
    }
    const replies = (await pipeline.exec()) ?? [];
    return replies.map(([err, written]) => {
      if (err) throw err;
      return written === 1;
    });
  }

  /** The stored records among `ids`, by id. */
  async getTrials(sessionId: string, ids: number[]): Promise<Map<number, TrialRecord>> {
    const out = new Map<number, TrialRecord>();
    if (ids.length === 0) return out;
    const texts = await this.redis.mget(ids.map((id) => keys.trial(sessionId, id)));
    texts.forEach((text, i) => {
      if (text) out.set(ids[i], JSON.parse(text) as TrialRecord);
    });
    return out;
  }

  async getTrial(sessionId: string, trialId: number): Promise<TrialRecord | null> {
    const text = await this.redis.get(keys.trial(sessionId, trialId));
    return text ? (JSON.parse(text) as TrialRecord) : null;
  }

  async countTrials(sessionId: string): Promise<number> {
    return this.redis.zcard(keys.trials(sessionId));
  }

  /** Every stored trial of a session in id order, read in pages so memory stays flat on the server. */
  async *iterateTrials(sessionId: string, pageSize = 1000): AsyncGenerator<TrialRecord> {
    for (let start = 0; ; start += pageSize) {
      const ids = await this.redis.zrange(keys.trials(sessionId), start, start + pageSize - 1);
      if (ids.length === 0) return;
      const texts = await this.redis.mget(ids.map((id) => keys.trial(sessionId, Number(id))));
      for (const text of texts) if (text) yield JSON.parse(text) as TrialRecord;
      if (ids.length < pageSize) return;
    }
  }

  async allTrials(sessionId: string): Promise<TrialRecord[]> {
    const out: TrialRecord[] = [];
    for await (const record of this.iterateTrials(sessionId)) out.push(record);
    return out;
  }

  async putMeta(meta: SessionMeta): Promise<void> {
    await this.redis
      .multi()
      .set(keys.meta(meta.sessionId), JSON.stringify(meta))
      .zadd(keys.sessions, 'NX', meta.startedAt, meta.sessionId)
      .exec();
  }

  async getMeta(sessionId: string): Promise<SessionMeta | null> {
    const text = await this.redis.get(keys.meta(sessionId));
    return text ? (JSON.parse(text) as SessionMeta) : null;
  }

  async updateMeta(sessionId: string, patch: Partial<SessionMeta>): Promise<void> {
    const meta = await this.getMeta(sessionId);
    if (meta) await this.redis.set(keys.meta(sessionId), JSON.stringify({ ...meta, ...patch }));
  }
}
