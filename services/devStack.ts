import type { ChildProcess } from 'node:child_process';
import { Connection } from '@temporalio/client';
import fs from 'node:fs';
import path from 'node:path';
import { SEARCH_ATTRIBUTE_TYPES } from '../workflows/searchAttributes';
import { tuneflowHome } from './paths';
import { freePort, sleep, startService, stopProcess, waitForPort } from './processes';
import { acquireLocalRedis, externalRedis, type RedisService } from './redis';
import { acquireService, peekService, type ServiceDefinition, type ServicePeek, type SharedService } from './serviceLock';
import { ensureTemporalCli } from './temporalCli';

type Log = (line: string) => void;

export const DEV_NAMESPACE = 'default';

/** Where a local Temporal dev server listens. */
export interface TemporalInfo {
  address: string;
  uiUrl: string | null;
}

export interface TemporalServer extends TemporalInfo {
  child: ChildProcess;
  /** The frontend's port, for starting the server again in the same place. */
  port: number;
}

export interface TemporalServerOptions {
  cliPath: string;
  name: string;
  persist: boolean;
  headless?: boolean;
  /** Address the services bind (default 127.0.0.1); `0.0.0.0` also serves network namespaces on this host. */
  bind?: string;
  /** The frontend port; a free one when not given. */
  port?: number;
  /** The SQLite file of a persistent server, instead of `<tuneflow home>/temporal/<name>.db`. */
  dbFile?: string;
}

interface SpawnedTemporal extends TemporalServer {
  pid: number;
  /** Settles once the frontend answers; rejects when it does not start. */
  ready: Promise<void>;
}

function temporalDir(): string {
  return path.join(tuneflowHome(), 'temporal');
}

/** True when a Temporal frontend answers at `address` within `timeoutMs`. */
async function temporalAnswers(address: string, timeoutMs = 2000): Promise<boolean> {
  try {
    const connection = await Connection.connect({ address, connectTimeout: timeoutMs });
    try {
      await connection.workflowService.getSystemInfo({});
      return true;
    } finally {
      await connection.close();
    }
  } catch {
    return false;
  }
}

/** An open port is not yet a serving frontend: wait until it answers a request. */
async function waitForFrontend(address: string, timeoutMs: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await temporalAnswers(address))) {
    if (child.exitCode !== null) throw new Error(`process exited with code ${child.exitCode}`);
    if (Date.now() > deadline) throw new Error(`the frontend at ${address} did not answer within ${timeoutMs} ms`);
    await sleep(200);
  }
}

async function spawnTemporalServer(opts: TemporalServerOptions): Promise<SpawnedTemporal> {
  const dir = temporalDir();
  fs.mkdirSync(dir, { recursive: true });
  const bind = opts.bind ?? '127.0.0.1';
  const host = bind === '0.0.0.0' ? '127.0.0.1' : bind;
  const port = opts.port ?? (await freePort(opts.persist ? 7233 : undefined));
  const uiPort = await freePort(opts.persist ? 8233 : undefined);
  const args = [
    'server', 'start-dev',
    '--ip', bind,
    '--port', String(port),
    '--ui-port', String(uiPort),
    '--namespace', DEV_NAMESPACE,
    '--log-level', 'error',
    ...Object.entries(SEARCH_ATTRIBUTE_TYPES).flatMap(([key, type]) => ['--search-attribute', `${key}=${type}`]),
  ];
  if (opts.persist) args.push('--db-filename', opts.dbFile ?? path.join(dir, `${opts.name}.db`));
  if (opts.headless) args.push('--headless');
  const logFile = path.join(dir, `${opts.name}.log`);
  const child = startService(opts.cliPath, args, logFile);
  if (child.pid === undefined) throw new Error(`the Temporal dev server could not be started: ${opts.cliPath}`);
  const address = `${host}:${port}`;
  const ready = (async () => {
    await waitForPort(port, 60_000, child, host);
    await waitForFrontend(address, 60_000, child);
  })().catch((err: Error) => {
    throw new Error(`the Temporal dev server did not start (see ${logFile}): ${err.message}`);
  });
  return { address, uiUrl: opts.headless ? null : `http://${host}:${uiPort}`, child, port, pid: child.pid, ready };
}

/**
 * Starts `temporal server start-dev` on free ports with tuneflow's search attributes registered, owned by
 * this process alone: for servers in memory (tests, benchmarks) and fault-injection runs, which restart it
 * at will. `persist` keeps the state in `<tuneflow home>/temporal/<name>.db` (or `dbFile`), which only one
 * server may open: the dev stack shares it through its lock instead (ensureDevStack).
 */
export async function startTemporalServer(opts: TemporalServerOptions): Promise<TemporalServer> {
  const { address, uiUrl, child, port, ready } = await spawnTemporalServer(opts);
  try {
    await ready;
  } catch (err) {
    await stopProcess(child);
    throw err;
  }
  return { address, uiUrl, child, port };
}

function temporalDefinition(name: string, log: Log): ServiceDefinition<TemporalInfo> {
  const dir = temporalDir();
  return {
    folder: dir,
    name,
    label: 'the Temporal dev server',
    data: devTemporalDb(name),
    stopGraceMs: 10_000,
    answers: (info) => temporalAnswers(info.address),
    start: async () => {
      const cli = await ensureTemporalCli(log);
      const { address, uiUrl, pid, ready } = await spawnTemporalServer({ cliPath: cli.path, name, persist: true });
      return { pid, info: { address, uiUrl }, ready };
    },
  };
}

/** The local dev server on `<tuneflow home>/temporal/<name>.db` when one runs, joined as a user; else null. */
export async function joinDevTemporal(opts: { name: string; log: Log }): Promise<SharedService<TemporalInfo> | null> {
  return acquireService(temporalDefinition(opts.name, opts.log), { joinOnly: true, log: opts.log });
}

/** The local dev server on `<tuneflow home>/temporal/<name>.db` as its lock records it, neither joined nor started. */
export function peekDevTemporal(name: string): Promise<ServicePeek<TemporalInfo>> {
  return peekService(temporalDefinition(name, () => undefined));
}

/** The database file of the local dev server of this name. */
export function devTemporalDb(name: string): string {
  return path.join(temporalDir(), `${name}.db`);
}

/** A local Temporal dev server and Redis, each joined when it runs and started when it does not. */
export interface DevStack {
  temporal: SharedService<TemporalInfo>;
  /** The local Redis, or the trial store at an external URL (no pid). */
  redis: RedisService;
  namespace: string;
  /** Stops using both; the last tuneflow process using a service stops it. */
  release(): Promise<void>;
  releaseNow(): void;
}

/**
 * The dev stack of this name: a Temporal dev server (SQLite file under the tuneflow home, Web UI on,
 * tuneflow's search attributes registered) and Redis (AOF under the tuneflow home), or `redisUrl` instead
 * of the local Redis. A service found running is joined, so one that died is restarted alone and the other
 * keeps its address.
 */
export async function ensureDevStack(opts: { name?: string; log?: Log; redisUrl?: string } = {}): Promise<DevStack> {
  const name = opts.name ?? 'dev';
  const log = opts.log ?? ((l: string) => console.error(l));
  const redis = opts.redisUrl ? externalRedis(opts.redisUrl) : await acquireLocalRedis({ name, log });
  let temporal: SharedService<TemporalInfo>;
  try {
    temporal = await acquireService(temporalDefinition(name, log), { log });
  } catch (err) {
    await redis.release();
    throw err;
  }
  return {
    temporal,
    redis,
    namespace: DEV_NAMESPACE,
    release: async () => {
      await Promise.all([temporal.release(), redis.release()]);
    },
    releaseNow: () => {
      temporal.releaseNow();
      redis.releaseNow();
    },
  };
}
