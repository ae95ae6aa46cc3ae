import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { tuneflowHome } from './paths';
import { freePort, run, sleep, startService, stopProcess, waitForPort, whichSync } from './processes';
import { acquireService, peekService, type ServiceAddress, type ServiceDefinition, type ServicePeek, type SharedService } from './serviceLock';

type Log = (line: string) => void;

/** Why no local Redis can run, and the ways to fix it. */
export const NO_REDIS =
  'No Redis available. Fix it one of these ways: set REDIS_URL to a running Redis (e.g. redis://127.0.0.1:6379); ' +
  'put redis-server on PATH (Debian/Ubuntu: apt-get install redis-server; macOS: brew install redis); ' +
  'or run as root on Debian so tuneflow can install it with apt-get.';

/** The redis-server binary on PATH or Debian's, without installing anything; null when there is none. */
export function locateRedisServer(): string | null {
  return whichSync('redis-server') ?? (fs.existsSync('/usr/bin/redis-server') ? '/usr/bin/redis-server' : null);
}

/** True when a missing redis-server would be installed with apt-get (root on Debian). */
export function canInstallRedisServer(): boolean {
  return whichSync('apt-get') !== null && typeof process.getuid === 'function' && process.getuid() === 0;
}

/** The redis-server binary: on PATH, Debian's, or installed with apt-get when running as root on Debian. */
export function findRedisServer(log: Log): string {
  const onPath = locateRedisServer();
  if (onPath) return onPath;
  if (canInstallRedisServer()) {
    const apt = whichSync('apt-get') as string;
    console.log('redis-server is missing: installing Debian\'s redis-server package with apt-get');
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    let installed = run(apt, ['install', '-y', '-qq', 'redis-server'], { env });
    if (!installed.ok) {
      run(apt, ['update', '-qq'], { env });
      installed = run(apt, ['install', '-y', '-qq', 'redis-server'], { env });
    }
    if (installed.ok && fs.existsSync('/usr/bin/redis-server')) return '/usr/bin/redis-server';
    log(`apt-get install redis-server failed: ${installed.stderr.trim().split('\n').pop() ?? ''}`);
  }
  throw new Error(NO_REDIS);
}

export interface RedisServerOptions {
  binary: string;
  port: number;
  /** Data folder: the append-only file and the log live here. */
  dir: string;
  /**
   * Addresses to listen on (default 127.0.0.1); the URL uses the first. Listing one that is not loopback
   * turns protected mode off, which would otherwise refuse every client from there.
   */
  bind?: string[];
  /** `always` makes every acknowledged write durable, at the cost of an fsync per write. */
  appendfsync?: 'always' | 'everysec';
}

/** Spawns redis-server with AOF persistence on `dir`, logging to `<dir>/redis.log`; it may not listen yet. */
function spawnRedisServer(opts: RedisServerOptions): ChildProcess {
  const bind = opts.bind ?? ['127.0.0.1'];
  fs.mkdirSync(opts.dir, { recursive: true });
  const args = ['--port', String(opts.port), '--bind', ...bind, '--dir', opts.dir, '--appendonly', 'yes', '--appendfsync', opts.appendfsync ?? 'everysec', '--save', '', '--daemonize', 'no'];
  if (bind.some((address) => address !== '127.0.0.1' && address !== '::1')) args.push('--protected-mode', 'no');
  return startService(opts.binary, args, path.join(opts.dir, 'redis.log'));
}

/**
 * Starts a redis-server outside the shared local stack (fault-injection runs restart it at will); starting it
 * again on the same folder brings the data back.
 */
export async function startRedisServer(opts: RedisServerOptions): Promise<{ url: string; child: ChildProcess }> {
  const child = spawnRedisServer(opts);
  const bind = opts.bind ?? ['127.0.0.1'];
  try {
    await waitForPort(opts.port, 15_000, child, bind[0]);
  } catch (err) {
    await stopProcess(child);
    throw new Error(`redis-server did not start (see ${path.join(opts.dir, 'redis.log')}): ${(err as Error).message}`);
  }
  return { url: `redis://${bind[0]}:${opts.port}`, child };
}

/** True when a Redis at `url` (no auth, no TLS: one tuneflow started) answers PING within `timeoutMs`. */
function redisAnswers(url: string, timeoutMs = 2000): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect(Number(port || 6379), hostname);
    let reply = '';
    const done = (ok: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once('connect', () => socket.write('PING\r\n'));
    // A Redis still loading its AOF answers -LOADING: not ready yet.
    socket.on('data', (chunk) => {
      reply += chunk;
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
    socket.once('error', () => done(false));
  });
}

/** Files of a Redis data folder that hold data (not its log or tuneflow's lock files). */
const REDIS_DATA_FILES = ['appendonlydir', 'appendonly.aof', 'dump.rdb'];

function redisDefinition(name: string, opts: { fresh?: boolean; log: Log }): ServiceDefinition<ServiceAddress> {
  const dir = localRedisFolder(name);
  return {
    folder: dir,
    name: 'redis',
    label: 'Redis',
    data: dir,
    stopGraceMs: 5000,
    answers: (info) => redisAnswers(info.address),
    start: async () => {
      const binary = findRedisServer(opts.log);
      if (opts.fresh) for (const file of REDIS_DATA_FILES) fs.rmSync(path.join(dir, file), { recursive: true, force: true });
      const port = await freePort(6390);
      const logFile = path.join(dir, 'redis.log');
      const child = spawnRedisServer({ binary, port, dir });
      if (child.pid === undefined) throw new Error(`redis-server could not be started: ${binary}`);
      const url = `redis://127.0.0.1:${port}`;
      const ready = (async () => {
        await waitForPort(port, 15_000, child);
        const deadline = Date.now() + 60_000;
        while (!(await redisAnswers(url))) {
          if (child.exitCode !== null || Date.now() > deadline) throw new Error('it does not answer PING');
          await sleep(100);
        }
      })().catch((err: Error) => {
        throw new Error(`redis-server did not start (see ${logFile}): ${err.message}`);
      });
      return { pid: child.pid, info: { address: url }, ready };
    },
  };
}

export interface RedisService {
  url: string;
  /** The local server, when tuneflow runs it (absent for REDIS_URL). */
  pid?: number;
  /** True when this process started the server. */
  started: boolean;
  /** False once a local server has exited. */
  running(): boolean;
  /** Stops using it; the last tuneflow process using a local server stops it. */
  release(): Promise<void>;
  /** The same for a process about to exit at once. */
  releaseNow(): void;
}

function fromShared(service: SharedService<ServiceAddress>): RedisService {
  return { url: service.info.address, pid: service.pid, started: service.started, running: service.running, release: service.release, releaseNow: service.releaseNow };
}

/**
 * The local Redis of `<tuneflow home>/redis/<name>` (AOF on): joins the one running there, or starts
 * redis-server (installing Debian's package when missing and allowed) on a free port. With `joinOnly`,
 * null when none runs. `fresh` empties the folder before starting a new server on it.
 */
export async function acquireLocalRedis(opts: { name: string; log?: Log; fresh?: boolean }): Promise<RedisService>;
export async function acquireLocalRedis(opts: { name: string; log?: Log; fresh?: boolean; joinOnly?: boolean }): Promise<RedisService | null>;
export async function acquireLocalRedis(opts: { name: string; log?: Log; fresh?: boolean; joinOnly?: boolean }): Promise<RedisService | null> {
  const log = opts.log ?? ((l: string) => console.error(l));
  const service = await acquireService(redisDefinition(opts.name, { fresh: opts.fresh, log }), { joinOnly: opts.joinOnly, log });
  return service && fromShared(service);
}

/** The local Redis of `<tuneflow home>/redis/<name>` as its lock records it, neither joined nor started. */
export function peekLocalRedis(name: string): Promise<ServicePeek<ServiceAddress>> {
  return peekService(redisDefinition(name, { log: () => undefined }));
}

/** The data folder of the local Redis of this name. */
export function localRedisFolder(name: string): string {
  return path.join(tuneflowHome(), 'redis', name);
}

/** A Redis tuneflow does not run: nothing to start or stop. */
export function externalRedis(url: string): RedisService {
  return { url, started: false, running: () => true, release: async () => undefined, releaseNow: () => undefined };
}

/** REDIS_URL when set; otherwise the local Redis of that name (see acquireLocalRedis). */
export async function ensureRedis(opts: { name?: string; log?: Log } = {}): Promise<RedisService> {
  if (process.env.REDIS_URL) return externalRedis(process.env.REDIS_URL);
  return acquireLocalRedis({ name: opts.name ?? 'default', log: opts.log });
}
