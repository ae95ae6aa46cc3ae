import type { ChildProcess } from 'node:child_process';
import { Connection } from '@temporalio/client';
import fs from 'node:fs';
import path from 'node:path';
import { SEARCH_ATTRIBUTE_TYPES } from '../workflows/searchAttributes';
import { tuneflowHome } from './paths';
import { freePort, isAlive, startService, stopProcess, waitForPort } from './processes';
import { ensureRedis } from './redis';
import { ensureTemporalCli } from './temporalCli';

type Log = (line: string) => void;

/** Where a local Temporal dev server and Redis listen. */
export interface DevStack {
  temporalAddress: string;
  namespace: string;
  uiUrl: string;
  redisUrl: string;
  /** True when this process started the services (and so stops them). */
  owned: boolean;
  stop(): Promise<void>;
}

interface StackFile {
  pid: number;
  temporalPid: number;
  redisPid?: number;
  temporalAddress: string;
  uiUrl: string;
  redisUrl: string;
}

function stackFile(name: string): string {
  return path.join(tuneflowHome(), `${name}.stack.json`);
}

function readLiveStack(name: string): StackFile | null {
  try {
    const stack = JSON.parse(fs.readFileSync(stackFile(name), 'utf8')) as StackFile;
    const alive = isAlive(stack.temporalPid) && (stack.redisPid === undefined || isAlive(stack.redisPid));
    return alive ? stack : null;
  } catch {
    return null;
  }
}

export interface TemporalServer {
  address: string;
  uiUrl: string | null;
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

/**
 * Starts `temporal server start-dev` on free ports with tuneflow's search attributes registered.
 * `persist` keeps its state in `<tuneflow home>/temporal/<name>.db` (or `dbFile`); otherwise it lives in memory.
 */
export async function startTemporalServer(opts: TemporalServerOptions): Promise<TemporalServer> {
  const dir = path.join(tuneflowHome(), 'temporal');
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
    '--namespace', 'default',
    '--log-level', 'error',
    ...Object.entries(SEARCH_ATTRIBUTE_TYPES).flatMap(([key, type]) => ['--search-attribute', `${key}=${type}`]),
  ];
  if (opts.persist) args.push('--db-filename', opts.dbFile ?? path.join(dir, `${opts.name}.db`));
  if (opts.headless) args.push('--headless');
  const logFile = path.join(dir, `${opts.name}.log`);
  const child = startService(opts.cliPath, args, logFile);
  try {
    await waitForPort(port, 60_000, child, host);
    await waitForFrontend(`${host}:${port}`, 60_000);
  } catch (err) {
    await stopProcess(child);
    throw new Error(`the Temporal dev server did not start (see ${logFile}): ${(err as Error).message}`);
  }
  return { address: `${host}:${port}`, uiUrl: opts.headless ? null : `http://${host}:${uiPort}`, child, port };
}

/**
 * A Temporal dev server (SQLite file under the tuneflow home, Web UI on, tuneflow's search attributes
 * registered) plus Redis. When another tuneflow process already runs the stack of this name, it is
 * reused: two dev servers must never share one database file.
 */
/** An open port is not yet a serving frontend: wait until it answers a request. */
async function waitForFrontend(address: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const connection = await Connection.connect({ address, connectTimeout: 2000 });
      try {
        await connection.workflowService.getSystemInfo({});
        return;
      } finally {
        await connection.close();
      }
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

export async function ensureDevStack(opts: { name?: string; log?: Log; headless?: boolean } = {}): Promise<DevStack> {
  const name = opts.name ?? 'dev';
  const log = opts.log ?? ((l: string) => console.error(l));
  const live = readLiveStack(name);
  if (live) {
    return { ...live, namespace: 'default', owned: false, stop: async () => undefined };
  }
  const cli = await ensureTemporalCli(log);
  const redis = await ensureRedis({ name, log });
  let server: TemporalServer;
  try {
    server = await startTemporalServer({ cliPath: cli.path, name, persist: true, headless: opts.headless });
  } catch (err) {
    await redis.stop();
    throw err;
  }
  const temporal = server.child;
  const stack: StackFile = {
    pid: process.pid,
    temporalPid: temporal.pid ?? -1,
    redisPid: redis.child?.pid,
    temporalAddress: server.address,
    uiUrl: server.uiUrl ?? '',
    redisUrl: redis.url,
  };
  fs.writeFileSync(stackFile(name), JSON.stringify(stack, null, 2));
  return {
    ...stack,
    namespace: 'default',
    owned: true,
    stop: async () => {
      await Promise.all([stopProcess(temporal, 10_000), redis.stop()]);
      fs.rmSync(stackFile(name), { force: true });
    },
  };
}
