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

function findRedisServer(log: Log): string {
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

/**
 * REDIS_URL when set; otherwise starts redis-server (installing Debian's package when missing and allowed)
 * on a free port with AOF persistence in `<tuneflow home>/redis/<name>`.
 */
export async function ensureRedis(opts: { name?: string; log?: Log } = {}): Promise<RedisService> {
  if (process.env.REDIS_URL) return { url: process.env.REDIS_URL, stop: async () => undefined };
  const log = opts.log ?? ((l: string) => console.error(l));
  const binary = findRedisServer(log);
  const dir = path.join(tuneflowHome(), 'redis', opts.name ?? 'default');
  fs.mkdirSync(dir, { recursive: true });
  const port = await freePort(6390);
  const child = startService(
    binary,
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'everysec', '--save', '', '--daemonize', 'no'],
    path.join(dir, 'redis.log'),
  );
  try {
    await waitForPort(port, 15_000, child);
  } catch (err) {
    await stopProcess(child);
    throw new Error(`redis-server did not start (see ${path.join(dir, 'redis.log')}): ${(err as Error).message}`);
  }
  return { url: `redis://127.0.0.1:${port}`, child, stop: () => stopProcess(child) };
}
