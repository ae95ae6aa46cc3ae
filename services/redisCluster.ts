import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, run, sleep, startService, stopProcess, waitForPort, whichSync } from './processes';
import { findRedisServer } from './redis';

type Log = (line: string) => void;

/** A throw-away Redis Cluster on this machine: masters only, no persistence, in a temporary folder. */
export interface LocalRedisCluster {
  /** `redis+cluster://127.0.0.1:<port>,…`, every master as a seed. */
  url: string;
  /** Stops every node and removes the folder. */
  stop(): Promise<void>;
}

/** redis-cli, which creates the cluster: on PATH or Debian's (package redis-tools, a dependency of redis-server). */
export function findRedisCli(): string {
  const found = whichSync('redis-cli') ?? (fs.existsSync('/usr/bin/redis-cli') ? '/usr/bin/redis-cli' : null);
  if (!found) throw new Error('redis-cli is missing (Debian/Ubuntu: apt-get install redis-tools; macOS: brew install redis)');
  return found;
}

/** Free ports for the nodes whose cluster bus port (port + 10000, Redis' rule) is free too. */
async function nodePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  for (let tries = 0; ports.size < count; tries += 1) {
    if (tries > 50) throw new Error('no free ports for the cluster nodes and their bus ports');
    const port = await freePort();
    if (port + 10_000 <= 65_535 && !ports.has(port) && (await freePort(port + 10_000)) === port + 10_000) ports.add(port);
  }
  return [...ports];
}

/** Waits until every node reports `cluster_state:ok`: slots are assigned at once, but the nodes agree a moment later. */
async function waitForClusterOk(cli: string, ports: number[], timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const states = ports.map((port) => /cluster_state:(\w+)/.exec(run(cli, ['-p', String(port), 'cluster', 'info'], { timeoutMs: 5000 }).stdout)?.[1] ?? 'no answer');
    if (states.every((state) => state === 'ok')) return;
    if (Date.now() > deadline) throw new Error(`cluster not ready within ${timeoutMs / 1000} s: ${states.map((s, i) => `${ports[i]} ${s}`).join(', ')}`);
    await sleep(100);
  }
}

/**
 * Starts `masters` redis-server nodes in cluster mode on free ports under a new temporary folder, joins them with
 * `redis-cli --cluster create` and waits until the cluster is ready. On failure nothing is left running.
 * @throws Error saying what is missing or what failed (redis-cli, cluster mode, the nodes' logs).
 */
export async function startRedisCluster(opts: { masters?: number; log: Log }): Promise<LocalRedisCluster> {
  const server = findRedisServer(opts.log);
  const cli = findRedisCli();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tuneflow-redis-cluster-'));
  const nodes: ChildProcess[] = [];
  const stop = async () => {
    await Promise.all(nodes.map((node) => stopProcess(node)));
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    const ports = await nodePorts(opts.masters ?? 3);
    for (const port of ports) {
      const nodeDir = path.join(dir, String(port));
      fs.mkdirSync(nodeDir);
      const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', nodeDir, '--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf'];
      nodes.push(startService(server, [...args, '--appendonly', 'no', '--save', '', '--daemonize', 'no'], path.join(nodeDir, 'redis.log')));
    }
    await Promise.all(
      ports.map((port, i) =>
        waitForPort(port, 15_000, nodes[i]).catch((err: Error) => {
          const logTail = fs.readFileSync(path.join(dir, String(port), 'redis.log'), 'utf8').trim().split('\n').slice(-2).join(' ');
          throw new Error(`redis-server in cluster mode did not start on port ${port}: ${err.message} (${logTail})`);
        }),
      ),
    );
    const created = run(cli, ['--cluster', 'create', ...ports.map((port) => `127.0.0.1:${port}`), '--cluster-replicas', '0', '--cluster-yes'], { timeoutMs: 30_000 });
    if (!created.ok) throw new Error(`redis-cli --cluster create failed: ${(created.stderr || created.stdout).trim().split('\n').slice(-2).join(' ')}`);
    await waitForClusterOk(cli, ports);
    return { url: `redis+cluster://${ports.map((port) => `127.0.0.1:${port}`).join(',')}`, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
