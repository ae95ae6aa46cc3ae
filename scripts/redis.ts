import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { tuneflowHome } from './paths';
import { freePort, run, startService, stopProcess, waitForPort, whichSync } from './processes';

type Log = (line: string) => void;

export interface RedisService {
  url: string;
  /** Present when tuneflow started the server itself. */
  child?: ChildProcess;
  stop(): Promise<void>;
}

/** The redis-server binary: on PATH, Debian's, or installed with apt-get when running as root on Debian. */
export function findRedisServer(log: Log): string {
  const onPath = whichSync('redis-server') ?? (fs.existsSync('/usr/bin/redis-server') ? '/usr/bin/redis-server' : null);
  if (onPath) return onPath;
  const apt = whichSync('apt-get');
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (apt && isRoot) {
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
  throw new Error(
    'No Redis available. Fix it one of these ways: set REDIS_URL to a running Redis (e.g. redis://127.0.0.1:6379); ' +
      'put redis-server on PATH (Debian/Ubuntu: apt-get install redis-server; macOS: brew install redis); ' +
      'or run as root on Debian so tuneflow can install it with apt-get.',
  );
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

/** Starts redis-server with AOF persistence; starting it again on the same folder brings the data back. */
export async function startRedisServer(opts: RedisServerOptions): Promise<RedisService & { child: ChildProcess }> {
  const bind = opts.bind ?? ['127.0.0.1'];
  fs.mkdirSync(opts.dir, { recursive: true });
  const logFile = path.join(opts.dir, 'redis.log');
  const args = ['--port', String(opts.port), '--bind', ...bind, '--dir', opts.dir, '--appendonly', 'yes', '--appendfsync', opts.appendfsync ?? 'everysec', '--save', '', '--daemonize', 'no'];
  if (bind.some((address) => address !== '127.0.0.1' && address !== '::1')) args.push('--protected-mode', 'no');
  const child = startService(opts.binary, args, logFile);
  try {
    await waitForPort(opts.port, 15_000, child, bind[0]);
  } catch (err) {
    await stopProcess(child);
    throw new Error(`redis-server did not start (see ${logFile}): ${(err as Error).message}`);
  }
  return { url: `redis://${bind[0]}:${opts.port}`, child, stop: () => stopProcess(child) };
}

/**
 * REDIS_URL when set; otherwise starts redis-server (installing Debian's package when missing and allowed)
 * on a free port with AOF persistence in `<tuneflow home>/redis/<name>`.
 */
export async function ensureRedis(opts: { name?: string; log?: Log } = {}): Promise<RedisService> {
  if (process.env.REDIS_URL) return { url: process.env.REDIS_URL, stop: async () => undefined };
  const log = opts.log ?? ((l: string) => console.error(l));
  return startRedisServer({ binary: findRedisServer(log), port: await freePort(6390), dir: path.join(tuneflowHome(), 'redis', opts.name ?? 'default') });
}
