import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import Redis from 'ioredis';
import { RedisTrialStore } from '../../store/redis/trialStore';
import type { TrialStore } from '../../store/trialStore';
import { WorkerStatsStore } from '../../store/redis/workerStats';
import { startTemporalServer } from '../../services/devStack';
import { freePort, signalAndWait, stopProcess } from '../../services/processes';
import { findRedisServer, startRedisServer } from '../../services/redis';
import { ensureTemporalCli } from '../../services/temporalCli';

/**
 * A private Temporal dev server (SQLite file) and Redis (AOF, fsync on every write) that faults may stop and
 * start again on the same port and data, with this process's client and store connected to them.
 */
export interface ChaosServices {
  /** Where processes on the host reach Temporal and Redis. */
  temporalAddress: string;
  redisUrl: string;
  /** Where a worker inside the network namespace reaches them (the host end of the veth pair). */
  remote: { temporalAddress: string; redisUrl: string } | null;
  client: Client;
  store: TrialStore;
  stats: WorkerStatsStore;
  stopTemporal(signal: 'SIGKILL' | 'SIGTERM'): Promise<void>;
  startTemporal(): Promise<void>;
  stopRedis(how: 'SIGTERM' | 'SHUTDOWN'): Promise<void>;
  startRedis(): Promise<void>;
  close(): Promise<void>;
  /** SIGKILL to both servers, synchronously: the last resort when this process is exiting anyway. */
  killNow(): void;
}

/** A graceful stop that hangs past this is finished with SIGKILL, so a fault never waits forever. */
const STOP_GRACE_MS = 20_000;

/** Waits until `child` exits (after sending `signal`, if given), killing it when that takes too long. */
async function exitWithin(child: ChildProcess, signal?: NodeJS.Signals): Promise<void> {
  const exited = signalAndWait(child, signal ?? 0);
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
  await exited;
  clearTimeout(timer);
}

/**
 * Starts both services in `dir`. With `hostIp` (the namespace's way to the host), Temporal binds 0.0.0.0:
 * the dev server's own services dial each other on 127.0.0.1, so it cannot bind the veth address alone.
 * Redis binds loopback and `hostIp` only.
 */
export async function startChaosServices(opts: { dir: string; name: string; hostIp: string | null; log: (line: string) => void }): Promise<ChaosServices> {
  const cli = await ensureTemporalCli(opts.log);
  const redisBinary = findRedisServer(opts.log);
  const temporalPort = await freePort();
  const redisPort = await freePort();
  fs.mkdirSync(opts.dir, { recursive: true });
  const dbFile = path.join(opts.dir, 'temporal.db');
  const redisDir = path.join(opts.dir, 'redis');
  const bind = opts.hostIp ? '0.0.0.0' : '127.0.0.1';
  const redisBind = ['127.0.0.1', ...(opts.hostIp ? [opts.hostIp] : [])];

  const startTemporalChild = async () =>
    (await startTemporalServer({ cliPath: cli.path, name: opts.name, persist: true, headless: true, bind, port: temporalPort, dbFile })).child;
  const startRedisChild = async () =>
    (await startRedisServer({ binary: redisBinary, port: redisPort, dir: redisDir, bind: redisBind, appendfsync: 'always' })).child;

  let temporal: ChildProcess | null = await startTemporalChild();
  let redisChild: ChildProcess | null = null;
  try {
    redisChild = await startRedisChild();
  } catch (err) {
    await stopProcess(temporal);
    throw err;
  }
  const temporalAddress = `127.0.0.1:${temporalPort}`;
  const redisUrl = `redis://127.0.0.1:${redisPort}`;
  const connection = await Connection.connect({ address: temporalAddress });
  // Fail fast while Redis is down instead of queueing: the runner polls and must not stall behind an outage.
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false });
  redis.on('error', () => undefined);

  return {
    temporalAddress,
    redisUrl,
    remote: opts.hostIp ? { temporalAddress: `${opts.hostIp}:${temporalPort}`, redisUrl: `redis://${opts.hostIp}:${redisPort}` } : null,
    client: new Client({ connection }),
    store: new RedisTrialStore(redis),
    stats: new WorkerStatsStore(redis),
    stopTemporal: async (signal) => {
      if (temporal) await exitWithin(temporal, signal);
      temporal = null;
    },
    startTemporal: async () => {
      temporal = await startTemporalChild();
    },
    stopRedis: async (how) => {
      const child = redisChild;
      if (!child) return;
      redisChild = null;
      if (how === 'SIGTERM') return exitWithin(child, 'SIGTERM');
      const exited = exitWithin(child);
      const admin = new Redis(redisUrl, { maxRetriesPerRequest: 0, lazyConnect: true });
      admin.on('error', () => undefined);
      // SHUTDOWN closes the connection instead of replying.
      await admin.call('SHUTDOWN').catch(() => undefined);
      admin.disconnect();
      await exited;
    },
    startRedis: async () => {
      redisChild = await startRedisChild();
    },
    close: async () => {
      redis.disconnect();
      await connection.close().catch(() => undefined);
      await Promise.all([temporal ? stopProcess(temporal, 10_000) : undefined, redisChild ? stopProcess(redisChild) : undefined]);
    },
    killNow: () => {
      temporal?.kill('SIGKILL');
      redisChild?.kill('SIGKILL');
    },
  };
}
