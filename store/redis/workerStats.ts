import type { RedisClient } from './client';

/**
 * Fleet statistics in Redis, one hash per worker id (`tf:worker:<id>`) plus `tf:workers`, a sorted set of
 * worker ids scored by when each was last seen (epoch ms). Counters only grow, so concurrent writers
 * never lose an update.
 */
export const workerKeys = {
  all: 'tf:workers',
  worker: (id: string) => `tf:worker:${id}`,
  /** Per-session totals by worker, for run.json: hash field `<worker>:<counter>`. */
  session: (sessionId: string) => `tf:{${sessionId}}:workers`,
};

/** A worker unseen for longer than this is gone (workers report every 10 s, and at each trial). */
export const ALIVE_WITHIN_MS = 30_000;

export interface WorkerStats {
  workerId: string;
  trialsDone: number;
  trialsFailed: number;
  trialsRetried: number;
  busyMs: number;
  meanTrialMs: number | null;
  currentTrials: number;
  lastSeen: number;
  startedAt: number;
  host: string;
}

/**
 * Writes to one key at a time, each as one command or one MULTI: on a Redis Cluster a MULTI may touch only one
 * hash slot, and a worker's hash, the fleet's index and a session's totals live in three. A MULTI still keeps a
 * hash's own fields in step (a reader never sees a trial counted as done while it still counts as current).
 * Across keys nothing needs to be atomic: the index only orders workers by when they were last seen, and a
 * worker's hash is written before it is indexed, so a listed worker always has its hash.
 */
export class WorkerStatsStore {
  constructor(private readonly redis: RedisClient) {}

  async announce(workerId: string, host: string, now = Date.now()): Promise<void> {
    await this.redis.hset(workerKeys.worker(workerId), 'host', host, 'started_at', now, 'last_seen', now, 'current', 0);
    await this.redis.zadd(workerKeys.all, now, workerId);
  }

  async seen(workerId: string, now = Date.now()): Promise<void> {
    await this.redis.hset(workerKeys.worker(workerId), 'last_seen', now);
    await this.redis.zadd(workerKeys.all, now, workerId);
  }

  async trialStarted(workerId: string, count = 1): Promise<void> {
    await this.redis.hincrby(workerKeys.worker(workerId), 'current', count);
  }

  /**
   * Several trials of one batch finished: one transaction per key, as in trialFinished. `running` is how many
   * had started.
   */
  async trialsFinished(workerId: string, sessionId: string, totals: { running: number; done: number; failed: number; retried: number; busyMs: number }): Promise<void> {
    const now = Date.now();
    const busy = Math.round(totals.busyMs);
    const worker = workerKeys.worker(workerId);
    const session = workerKeys.session(sessionId);
    await Promise.all([
      this.redis
        .multi()
        .hincrby(worker, 'current', -totals.running)
        .hincrby(worker, 'done', totals.done)
        .hincrby(worker, 'failed', totals.failed)
        .hincrby(worker, 'retried', totals.retried)
        .hincrby(worker, 'busy_ms', busy)
        .hset(worker, 'last_seen', now)
        .exec(),
      this.redis
        .multi()
        .hincrby(session, `${workerId}:done`, totals.done)
        .hincrby(session, `${workerId}:failed`, totals.failed)
        .hincrby(session, `${workerId}:retried`, totals.retried)
        .hincrby(session, `${workerId}:busy_ms`, busy)
        .exec(),
      this.redis.zadd(workerKeys.all, now, workerId),
    ]);
  }

  /**
   * The worker's counters and the session's totals are separate transactions: the totals only feed run.json,
   * written once the session's trials are done, so they never need to agree with the fleet view mid-write.
   */
  async trialFinished(workerId: string, sessionId: string, outcome: { failed: boolean; attempt: number; durationMs: number }): Promise<void> {
    const now = Date.now();
    const counter = outcome.failed ? 'failed' : 'done';
    const busy = Math.round(outcome.durationMs);
    const worker = this.redis
      .multi()
      .hincrby(workerKeys.worker(workerId), 'current', -1)
      .hincrby(workerKeys.worker(workerId), counter, 1)
      .hincrby(workerKeys.worker(workerId), 'busy_ms', busy)
      .hset(workerKeys.worker(workerId), 'last_seen', now);
    const session = this.redis
      .multi()
      .hincrby(workerKeys.session(sessionId), `${workerId}:${counter}`, 1)
      .hincrby(workerKeys.session(sessionId), `${workerId}:busy_ms`, busy);
    if (outcome.attempt > 1) {
      worker.hincrby(workerKeys.worker(workerId), 'retried', 1);
      session.hincrby(workerKeys.session(sessionId), `${workerId}:retried`, 1);
    }
    await Promise.all([worker.exec(), session.exec(), this.redis.zadd(workerKeys.all, now, workerId)]);
  }

  async list(): Promise<WorkerStats[]> {
    const ids = await this.redis.zrevrange(workerKeys.all, 0, -1);
    const rows = await Promise.all(ids.map((id) => this.redis.hgetall(workerKeys.worker(id))));
    return ids.map((workerId, i) => {
      const h = rows[i];
      const done = Number(h.done ?? 0);
      const failed = Number(h.failed ?? 0);
      const busyMs = Number(h.busy_ms ?? 0);
      return {
        workerId,
        trialsDone: done,
        trialsFailed: failed,
        trialsRetried: Number(h.retried ?? 0),
        busyMs,
        meanTrialMs: done + failed > 0 ? busyMs / (done + failed) : null,
        currentTrials: Math.max(0, Number(h.current ?? 0)),
        lastSeen: Number(h.last_seen ?? 0),
        startedAt: Number(h.started_at ?? 0),
        host: h.host ?? '',
      };
    });
  }

  /** Per-worker totals of one session: `{ <worker>: { done, failed, retried, busy_ms } }`. */
  async sessionTotals(sessionId: string): Promise<Record<string, Record<string, number>>> {
    const fields = await this.redis.hgetall(workerKeys.session(sessionId));
    const out: Record<string, Record<string, number>> = {};
    for (const [field, value] of Object.entries(fields)) {
      const at = field.lastIndexOf(':');
      const worker = field.slice(0, at);
      (out[worker] ??= { done: 0, failed: 0, retried: 0, busy_ms: 0 })[field.slice(at + 1)] = Number(value);
    }
    return out;
  }
}
