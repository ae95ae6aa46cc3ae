import type { TrialRecord } from '../../types/trial';
import type { SessionMeta, TrialStore } from '../trialStore';
import { BUCKET_SIZE, bucketEntries, bucketEntry, decodeTrial, encodeTrial, MissingNameError, namesOf, type NameDictionary, type NameKind } from './codec';
import { INTERN_NAMES, PUT_TRIALS } from './scripts';
import type { RedisClient } from './client';
import { timeKeys } from './batchTimes';
import { reportKeys } from './pruningReports';
import { workerKeys } from './workerStats';

/**
 * Redis key layout (the `{sessionId}` hash tag keeps one session's keys in one Redis Cluster slot; every
 * multi-key command and script touches one session's keys only, and `tf:sessions` is written on its own):
 *
 * | key                         | type   | holds                                                              |
 * |-----------------------------|--------|--------------------------------------------------------------------|
 * | `tf:sessions`               | zset   | session ids, scored by start time (epoch ms)                        |
 * | `tf:{<session>}:meta`       | string | JSON: the resolved spec, start and end, final status                |
 * | `tf:{<session>}:names`      | hash   | `<kind>:<name>` → index: parameter (`p`), metric (`m`), worker (`w`) |
 * | `tf:{<session>}:buckets`    | hash   | field ⌊id / 16⌋ → the binary records of those 16 ids (trialCodec)  |
 * | `tf:{<session>}:tally`      | hash   | `count` (records in buckets), `max` (largest trial id)             |
 * | `tf:{<session>}:workers`    | hash   | per-worker totals of the session (workerStats)                      |
 * | `tf:{<session>}:time`       | hash   | where trial time went: totals per phase, batch wall-time histogram  |
 * | `tf:{<session>}:time:slowest` | zset | the 10 slowest batches, JSON scored by wall ms (batchTimes)         |
 * | `tf:{<session>}:reports:<k>` | zset  | sessions with pruning: trial ids scored by their objective at the rule's checkpoint k (pruningReports) |
 *
 * Why buckets: a million trials must fit in about 300 bytes each. A JSON string key per trial plus two index
 * zsets cost about 1,500; one hash field per trial still pays ~50 bytes of dict entry, field and allocator
 * rounding on a ~220-byte record. Sixteen records to a field spread that over sixteen, and trial ids, which
 * the workflow hands out densely from 1, are enumerated from the tally's `max` instead of an index zset. The
 * leaderboard is computed when it is read. A write rewrites one bucket of a few kB inside its script.
 *
 * Sessions begun by an earlier release also have, and are read from (merged by id; a success wins over a
 * failure, else the newer layout wins):
 *
 * | `tf:{<session>}:trial:<id>` | string | JSON: one TrialRecord                                               |
 * | `tf:{<session>}:trials`     | zset   | index of those ids (member and score = id)                          |
 * | `tf:{<session>}:board`      | zset   | succeeded ids scored by objective                                   |
 *
 * The spec in `meta` holds an evaluator's environment references (`fromEnv`), never their values.
 */
export const keys = {
  sessions: 'tf:sessions',
  meta: (session: string) => `tf:{${session}}:meta`,
  names: (session: string) => `tf:{${session}}:names`,
  buckets: (session: string) => `tf:{${session}}:buckets`,
  tally: (session: string) => `tf:{${session}}:tally`,
  legacy: {
    trial: (session: string, id: number) => `tf:{${session}}:trial:${id}`,
    trials: (session: string) => `tf:{${session}}:trials`,
    board: (session: string) => `tf:{${session}}:board`,
  },
};


const KINDS: NameKind[] = ['p', 'm', 'w'];

/** One session's name dictionary as this process knows it; indexes never change, so it is only ever extended. */
class SessionNames implements NameDictionary {
  private readonly byName = new Map<string, number>();
  private readonly byIndex = new Map<NameKind, string[]>(KINDS.map((k) => [k, []]));

  add(field: string, index: number): void {
    const kind = field[0] as NameKind;
    if (!this.byIndex.has(kind) || field[1] !== ':') return;
    this.byName.set(field, index);
    this.byIndex.get(kind)![index] = field.slice(2);
  }

  indexOf(kind: NameKind, name: string): number | undefined {
    return this.byName.get(`${kind}:${name}`);
  }

  nameOf(kind: NameKind, index: number): string | undefined {
    return this.byIndex.get(kind)![index];
  }
}

const bucketOf = (id: number) => String(Math.floor(id / BUCKET_SIZE));

function pushTo<K>(groups: Map<K, number[]>, key: K, value: number): void {
  const group = groups.get(key);
  if (group) group.push(value);
  else groups.set(key, [value]);
}

/** Of two records of one id, the one reads return: a success over a failure, else the first (the newer layout). */
function preferred(newer: TrialRecord | undefined, legacy: TrialRecord | undefined): TrialRecord | undefined {
  if (!newer || !legacy) return newer ?? legacy;
  return legacy.status === 'succeeded' && newer.status !== 'succeeded' ? legacy : newer;
}

function parseLegacy(text: string | null): TrialRecord | undefined {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as TrialRecord;
  } catch {
    return undefined;
  }
}

/** The trial store in Redis ({@link TrialStore}); reads merge the layout of earlier releases (see `keys`). */
export class RedisTrialStore implements TrialStore {
  private readonly names = new Map<string, SessionNames>();

  constructor(private readonly redis: RedisClient) {}

  /** Stores one record; false when a stored success was kept instead of this failure. */
  async putTrial(record: TrialRecord): Promise<boolean> {
    return (await this.putTrials([record]))[0];
  }

  /**
   * Stores records (of one or several sessions) with the rules of {@link putTrial}, in one script call per
   * session; a name no record of the session had before costs one more round trip, once per process.
   * Returns, per record in order, whether it was written.
   */
  async putTrials(records: readonly TrialRecord[]): Promise<boolean[]> {
    const bySession = new Map<string, number[]>();
    records.forEach((r, i) => pushTo(bySession, r.sessionId, i));
    const written = new Array<boolean>(records.length).fill(false);
    for (const [session, indexes] of bySession) {
      const dict = await this.namesFor(session, indexes.flatMap((i) => namesOf(records[i])));
      const groups = new Map<string, number[]>();
      for (const i of indexes) pushTo(groups, bucketOf(records[i].trialId), i);
      const order: number[] = [];
      const legacyKeys: string[] = [];
      const args: (string | Buffer)[] = [String(groups.size)];
      for (const [field, members] of groups) {
        args.push(field, String(members.length));
        for (const i of members) {
          const r = records[i];
          args.push(String(r.trialId % BUCKET_SIZE), String(r.trialId), r.status === 'failed' ? '0' : '1', bucketEntry(r.trialId, encodeTrial(r, dict)));
          legacyKeys.push(keys.legacy.trial(session, r.trialId));
          order.push(i);
        }
      }
      const result = (await this.redis.eval(
        PUT_TRIALS, 4 + legacyKeys.length,
        keys.buckets(session), keys.tally(session), keys.legacy.trials(session), keys.legacy.board(session), ...legacyKeys, ...args,
      )) as number[];
      result.forEach((ok, k) => (written[order[k]] = ok === 1));
    }
    return written;
  }

  async getTrial(sessionId: string, trialId: number): Promise<TrialRecord | null> {
    return (await this.getTrials(sessionId, [trialId])).get(trialId) ?? null;
  }

  /** The stored records of `ids` (absent ids are left out), in one round trip once the session's names are known. */
  async getTrials(sessionId: string, ids: readonly number[]): Promise<Map<number, TrialRecord>> {
    const out = new Map<number, TrialRecord>();
    if (ids.length === 0) return out;
    const fields = [...new Set(ids.map(bucketOf))];
    const replies = await this.redis
      .pipeline()
      .hmgetBuffer(keys.buckets(sessionId), ...fields)
      .mget(ids.map((id) => keys.legacy.trial(sessionId, id)))
      .exec();
    const [buckets, legacy] = (replies ?? []).map(([err, value]) => {
      if (err) throw err;
      return value;
    }) as [(Buffer | null)[], (string | null)[]];
    const newer = await this.decodeBuckets(sessionId, fields, buckets);
    ids.forEach((id, i) => {
      const record = preferred(newer.get(id), parseLegacy(legacy[i]));
      if (record) out.set(id, record);
    });
    return out;
  }

  /** How many trials the session has stored, each id once. */
  async countTrials(sessionId: string): Promise<number> {
    const [count, legacyCount] = await Promise.all([this.redis.hget(keys.tally(sessionId), 'count'), this.redis.zcard(keys.legacy.trials(sessionId))]);
    let total = Number(count ?? 0) + legacyCount;
    // Both layouts hold an id only when a worker of an earlier release wrote it after this release did.
    if (legacyCount > 0) {
      for (let start = 0; start < legacyCount; start += 1000) {
        const ids = (await this.redis.zrange(keys.legacy.trials(sessionId), start, start + 999)).map(Number);
        const fields = [...new Set(ids.map(bucketOf))];
        const buckets = await this.redis.hmgetBuffer(keys.buckets(sessionId), ...fields);
        const held = new Set(fields.flatMap((f, i) => [...bucketEntries(buckets[i] ?? Buffer.alloc(0)).keys()].map((slot) => Number(f) * BUCKET_SIZE + slot)));
        total -= ids.filter((id) => held.has(id)).length;
      }
    }
    return total;
  }

  /**
   * Every stored trial of a session in id order, read in pages of about `pageSize` ids so memory stays flat on
   * both sides. Trials stored while it runs are included when their id lies below the largest id at its start.
   */
  async *iterateTrials(sessionId: string, pageSize = 4096, afterId = 0): AsyncGenerator<TrialRecord> {
    const perPage = Math.max(1, Math.ceil(pageSize / BUCKET_SIZE));
    const [max, legacyTop] = await Promise.all([
      this.redis.hget(keys.tally(sessionId), 'max'),
      this.redis.zrange(keys.legacy.trials(sessionId), -1, -1, 'WITHSCORES'),
    ]);
    const hasLegacy = legacyTop.length > 0;
    const lastBucket = Math.floor(Math.max(Number(max ?? 0), Number(legacyTop[1] ?? 0)) / BUCKET_SIZE);
    for (let first = Math.floor((afterId + 1) / BUCKET_SIZE); first <= lastBucket; first += perPage) {
      const fields = Array.from({ length: Math.min(perPage, lastBucket - first + 1) }, (_, i) => String(first + i));
      const newer = await this.decodeBuckets(sessionId, fields, await this.redis.hmgetBuffer(keys.buckets(sessionId), ...fields));
      const legacy = new Map<number, TrialRecord>();
      if (hasLegacy) {
        const lo = first * BUCKET_SIZE, hi = (first + fields.length) * BUCKET_SIZE - 1;
        const ids = await this.redis.zrangebyscore(keys.legacy.trials(sessionId), lo, hi);
        const texts = ids.length ? await this.redis.mget(ids.map((id) => keys.legacy.trial(sessionId, Number(id)))) : [];
        ids.forEach((id, i) => {
          const record = parseLegacy(texts[i]);
          if (record) legacy.set(Number(id), record);
        });
      }
      const ids = [...new Set([...newer.keys(), ...legacy.keys()])].sort((a, b) => a - b);
      for (const id of ids) if (id > afterId) yield preferred(newer.get(id), legacy.get(id))!;
    }
  }

  /**
   * Up to `limit` trials that finally failed, with ids above `afterId`, in id order, and the id to continue
   * after (null once the scan reached the end): one pass over the session however many calls it takes.
   */
  async failedTrials(sessionId: string, afterId: number, limit: number): Promise<{ trials: TrialRecord[]; next: number | null }> {
    const trials: TrialRecord[] = [];
    for await (const record of this.iterateTrials(sessionId, 4096, afterId)) {
      if (record.status === 'failed') trials.push(record);
      if (trials.length >= limit) return { trials, next: record.trialId };
    }
    return { trials, next: null };
  }

  /** Every stored trial in memory: for small sessions and tests; aggregation streams with {@link iterateTrials}. */
  async allTrials(sessionId: string): Promise<TrialRecord[]> {
    const out: TrialRecord[] = [];
    for await (const record of this.iterateTrials(sessionId)) out.push(record);
    return out;
  }

  /**
   * Two writes, not one MULTI: the meta and the index of sessions live in different hash slots, which a Redis
   * Cluster transaction cannot span. The index goes first, so a session with a meta is always indexed; a
   * failure in between is completed by beginSession's retry (ZADD NX keeps the first start time).
   */
  async putMeta(meta: SessionMeta): Promise<void> {
    await this.redis.zadd(keys.sessions, 'NX', meta.startedAt, meta.sessionId);
    await this.redis.set(keys.meta(meta.sessionId), JSON.stringify(meta));
  }

  async getMeta(sessionId: string): Promise<SessionMeta | null> {
    const text = await this.redis.get(keys.meta(sessionId));
    return text ? (JSON.parse(text) as SessionMeta) : null;
  }

  async updateMeta(sessionId: string, patch: Partial<SessionMeta>): Promise<void> {
    const meta = await this.getMeta(sessionId);
    if (meta) await this.redis.set(keys.meta(sessionId), JSON.stringify({ ...meta, ...patch }));
  }

  /**
   * Removes every key of one session, in both layouts, and then its `tf:sessions` entry (in a command of its
   * own: the index lives outside the session's slot). Returns how many trials and keys it removed.
   */
  async deleteSession(sessionId: string): Promise<{ trials: number; keys: number }> {
    const trials = await this.countTrials(sessionId);
    let removed = 0;
    const legacyIndex = keys.legacy.trials(sessionId);
    const legacyCount = await this.redis.zcard(legacyIndex);
    for (let start = 0; start < legacyCount; start += 1000) {
      const ids = await this.redis.zrange(legacyIndex, start, start + 999);
      if (ids.length) removed += await this.redis.del(...ids.map((id) => keys.legacy.trial(sessionId, Number(id))));
    }
    removed += await this.redis.del(
      keys.meta(sessionId), keys.names(sessionId), keys.buckets(sessionId), keys.tally(sessionId),
      workerKeys.session(sessionId), timeKeys.totals(sessionId), timeKeys.slowest(sessionId), legacyIndex, keys.legacy.board(sessionId),
      ...reportKeys.all(sessionId),
    );
    await this.redis.zrem(keys.sessions, sessionId);
    this.names.delete(sessionId);
    return { trials, keys: removed };
  }

  /** The records in `buckets` (the values of `fields`), keyed by trial id; reloads the names when one is new. */
  private async decodeBuckets(sessionId: string, fields: readonly string[], buckets: readonly (Buffer | null)[]): Promise<Map<number, TrialRecord>> {
    const decodeAll = (dict: NameDictionary) => {
      const out = new Map<number, TrialRecord>();
      fields.forEach((field, i) => {
        const bucket = buckets[i];
        if (!bucket) return;
        for (const [slot, bytes] of bucketEntries(bucket)) {
          const id = Number(field) * BUCKET_SIZE + slot;
          out.set(id, decodeTrial(bytes, sessionId, id, dict));
        }
      });
      return out;
    };
    if (!buckets.some((b) => b)) return new Map();
    try {
      return decodeAll(this.names.get(sessionId) ?? (await this.loadNames(sessionId)));
    } catch (err) {
      if (!(err instanceof MissingNameError)) throw err;
      return decodeAll(await this.loadNames(sessionId));
    }
  }

  private async loadNames(sessionId: string): Promise<SessionNames> {
    const dict = new SessionNames();
    const all = await this.redis.hgetall(keys.names(sessionId));
    for (const [field, index] of Object.entries(all)) dict.add(field, Number(index));
    this.names.set(sessionId, dict);
    return dict;
  }

  /** The session's dictionary with every name in `needed`, added to the store first where missing. */
  private async namesFor(sessionId: string, needed: ReadonlyArray<[NameKind, string]>): Promise<SessionNames> {
    const dict = this.names.get(sessionId) ?? new SessionNames();
    this.names.set(sessionId, dict);
    const missing = [...new Set(needed.filter(([kind, name]) => dict.indexOf(kind, name) === undefined).map(([kind, name]) => `${kind}:${name}`))];
    if (missing.length === 0) return dict;
    const indexes = (await this.redis.eval(INTERN_NAMES, 1, keys.names(sessionId), ...missing)) as number[];
    missing.forEach((field, i) => dict.add(field, indexes[i]));
    return dict;
  }
}
