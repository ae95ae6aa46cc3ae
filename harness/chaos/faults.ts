import type { Prng } from '../../search/prng';
import type { Fleet } from './fleet';
import type { Netns } from './netns';
import { SessionObserver } from './observe';
import type { ChaosServices } from './services';
import { pollUntil, sleep } from './wait';

export const FAULT_KINDS = ['worker-kill', 'temporal-restart', 'redis-stop', 'partition'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** Ranges (ms, inclusive) the injector draws its durations from, and how long a recovery may take at most. */
export interface FaultTiming {
  /** How long Redis stays stopped. */
  redisDownMs: [number, number];
  /** How long the namespace stays cut off. */
  cutMs: [number, number];
  /** Between the Temporal server's exit and its start again. */
  temporalDownMs: [number, number];
  /** Between a worker's SIGKILL and the start of its replacement. */
  refillDelayMs: [number, number];
  /** A recovery not seen within this counts as none (and fails the run). */
  recoveryCapMs: number;
}

export interface FaultRecord {
  kind: FaultKind;
  /** When the fault began, ms after the injector started. */
  at: number;
  detail: string;
  /** How long the service was down or the worker cut off; null for a kill. */
  outageMs: number | null;
  /**
   * From the moment the fleet could work again (the kill or the cut for worker faults, the service answering
   * again for outages) until the workflow schedules a trial it had not scheduled before. null: not within the cap.
   */
  resumeMs: number | null;
  /** Trials the server showed running on the victim (kill, partition) right after the fault began. */
  interrupted: number | null;
  /**
   * From the fault until every one of those trials has completed (retried elsewhere, or finished by the victim
   * after the partition); null: not within the cap; undefined: nothing to redo.
   */
  redoMs?: number | null;
}

export interface FaultContext {
  services: ChaosServices;
  fleet: Fleet;
  netns: Netns | null;
  observer: SessionObserver;
  rng: Prng;
  timing: FaultTiming;
  signal: AbortSignal;
  log: (line: string) => void;
}

type Fault = (ctx: FaultContext) => Promise<Omit<FaultRecord, 'kind' | 'at'>>;

export function draw(rng: Prng, [low, high]: [number, number]): number {
  return Math.round(low + rng.float() * (high - low));
}

const since = (start: number, end: number | null) => (end === null ? null : end - start);

/** Slots whose worker the server shows running trials right now. */
async function busySlots(ctx: FaultContext): Promise<number[]> {
  const now = await ctx.observer.snapshot();
  return Array.from({ length: ctx.fleet.size }, (_, slot) => slot).filter((slot) => SessionObserver.runningOn(now, ctx.fleet.workerId(slot)).length > 0);
}

/**
 * A worker at random among those running trials (any, if none is) gets SIGKILL; a new worker process takes
 * its slot after a short delay. Its running trials are lost with it and must be retried elsewhere once their
 * heartbeat timeout passes.
 */
const workerKill: Fault = async (ctx) => {
  const pick = ctx.rng.float();
  const busy = await busySlots(ctx);
  const pool = busy.length > 0 ? busy : Array.from({ length: ctx.fleet.size }, (_, slot) => slot);
  const slot = pool[Math.floor(pick * pool.length)];
  const victim = ctx.fleet.workerId(slot);
  const delay = draw(ctx.rng, ctx.timing.refillDelayMs);
  await ctx.fleet.kill(slot);
  const killedAt = Date.now();
  const after = await ctx.observer.snapshot();
  const lost = SessionObserver.runningOn(after, victim);
  const refilled = sleep(delay, ctx.signal).then(() => ctx.fleet.refill(slot));
  const [resumedAt, redoneAt] = await Promise.all([
    ctx.observer.waitProgress(after, ctx.timing.recoveryCapMs),
    lost.length > 0 ? ctx.observer.waitCompleted(after.runId, lost, ctx.timing.recoveryCapMs) : Promise.resolve(undefined),
  ]);
  const replacement = await refilled;
  return {
    detail: `SIGKILL ${victim}; ${replacement} started ${(delay / 1000).toFixed(1)} s later`,
    outageMs: null,
    resumeMs: since(killedAt, resumedAt),
    interrupted: lost.length,
    redoMs: redoneAt === undefined ? undefined : since(killedAt, redoneAt),
  };
};

/** The dev server gets SIGKILL or SIGTERM, then starts again on the same port and database file. */
const temporalRestart: Fault = async (ctx) => {
  const signal = ctx.rng.float() < 0.5 ? 'SIGKILL' : 'SIGTERM';
  const down = draw(ctx.rng, ctx.timing.temporalDownMs);
  const stoppedAt = Date.now();
  await ctx.services.stopTemporal(signal);
  await sleep(down, ctx.signal);
  await ctx.services.startTemporal();
  const backAt = Date.now();
  const back = await ctx.observer.snapshot();
  const resumedAt = await ctx.observer.waitProgress(back, ctx.timing.recoveryCapMs);
  return {
    detail: `${signal}, started again after ${((backAt - stoppedAt) / 1000).toFixed(1)} s`,
    outageMs: backAt - stoppedAt,
    resumeMs: since(backAt, resumedAt),
    interrupted: null,
  };
};

/** Redis is stopped (SIGTERM or SHUTDOWN; AOF keeps its data) and started again on the same port and folder. */
const redisStop: Fault = async (ctx) => {
  const how = ctx.rng.float() < 0.5 ? 'SIGTERM' : 'SHUTDOWN';
  const outage = draw(ctx.rng, ctx.timing.redisDownMs);
  const stoppedAt = Date.now();
  await ctx.services.stopRedis(how);
  await sleep(Math.max(0, stoppedAt + outage - Date.now()), ctx.signal);
  // Nothing can complete while Redis is down, so this look is what the session was stuck at.
  const stuck = await ctx.observer.snapshot();
  await ctx.services.startRedis();
  const backAt = Date.now();
  const resumedAt = await ctx.observer.waitProgress(stuck, ctx.timing.recoveryCapMs);
  return { detail: `${how}, down ${((backAt - stoppedAt) / 1000).toFixed(1)} s`, outageMs: backAt - stoppedAt, resumeMs: since(backAt, resumedAt), interrupted: null };
};

/** How long a partition waits for its worker to run a trial, so that the cut loses work. */
const BUSY_WAIT_MS = 10_000;

/**
 * The host end of the namespace's veth pair goes down, cutting its worker off both servers, then up again.
 * The cut comes while that worker runs a trial (or after BUSY_WAIT_MS).
 */
const partition: Fault = async (ctx) => {
  const slot = ctx.fleet.netnsSlot();
  if (!ctx.netns || slot === null) throw new Error('no network namespace');
  const victim = ctx.fleet.workerId(slot);
  const outage = draw(ctx.rng, ctx.timing.cutMs);
  await pollUntil(async () => (await busySlots(ctx)).includes(slot), { everyMs: 100, capMs: BUSY_WAIT_MS, signal: ctx.signal });
  ctx.netns.down();
  const cutAt = Date.now();
  const after = await ctx.observer.snapshot();
  const lost = SessionObserver.runningOn(after, victim);
  const measured = Promise.all([
    ctx.observer.waitProgress(after, ctx.timing.recoveryCapMs),
    lost.length > 0 ? ctx.observer.waitCompleted(after.runId, lost, ctx.timing.recoveryCapMs) : Promise.resolve(undefined),
  ]);
  try {
    await sleep(Math.max(0, cutAt + outage - Date.now()), ctx.signal);
  } finally {
    ctx.netns.up();
  }
  const upAt = Date.now();
  const [resumedAt, redoneAt] = await measured;
  return {
    detail: `${victim} cut off for ${((upAt - cutAt) / 1000).toFixed(1)} s`,
    outageMs: upAt - cutAt,
    resumeMs: since(cutAt, resumedAt),
    interrupted: lost.length,
    redoMs: redoneAt === undefined ? undefined : since(cutAt, redoneAt),
  };
};

export const FAULTS: Record<FaultKind, Fault> = {
  'worker-kill': workerKill,
  'temporal-restart': temporalRestart,
  'redis-stop': redisStop,
  partition,
};
