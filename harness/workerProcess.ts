import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../services/paths';

/** A `tuneflow worker` child process, for fleet tests and benchmarks. */
export interface WorkerProcess {
  id: string;
  child: ChildProcess;
  /** Resolves once the worker polls its task queue; rejects if it exits first. */
  ready: Promise<void>;
}

/** Starts `tuneflow worker` (argv, no shell) against the given Temporal and Redis. */
export function startWorkerProcess(opts: {
  id: string;
  taskQueue: string;
  address: string;
  redisUrl: string;
  threads: number;
  concurrency: number;
  /** A network namespace to run in (`ip netns exec`, which execs, so the child's pid is the worker's). */
  netns?: string;
  /** Where the worker's stderr is appended, besides being watched for readiness. */
  logFile?: string;
  /** Serve Prometheus metrics on this port (`--metrics-port`). */
  metricsPort?: number;
}): WorkerProcess {
  const { id, taskQueue } = opts;
  const argv = [
    process.execPath,
    path.join(PROJECT_ROOT, 'bin', 'tuneflow'), 'worker', '--task-queue', taskQueue, '--worker-id', id, '--threads', String(opts.threads), '--concurrency', String(opts.concurrency), '--shutdown-grace', '30s',
  ];
  if (opts.metricsPort !== undefined) argv.push('--metrics-port', String(opts.metricsPort));
  if (opts.netns) argv.unshift('ip', 'netns', 'exec', opts.netns);
  const child = spawn(argv[0], argv.slice(1), {
    env: { ...process.env, TEMPORAL_ADDRESS: opts.address, REDIS_URL: opts.redisUrl, TUNEFLOW_TASK_QUEUE: taskQueue },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  if (opts.logFile) {
    fs.mkdirSync(path.dirname(opts.logFile), { recursive: true });
    child.stderr!.pipe(fs.createWriteStream(opts.logFile, { flags: 'a' }));
  }
  let stderr = '';
  const ready = new Promise<void>((resolve, reject) => {
    const watch = (chunk: Buffer) => {
      stderr += chunk;
      if (stderr.includes(`Worker ${id} polling`)) {
        child.stderr!.off('data', watch);
        resolve();
      }
    };
    child.stderr!.on('data', watch);
    child.once('exit', (code, signal) => reject(new Error(`worker ${id} exited (${code ?? signal}) before polling:\n${stderr}`)));
  });
  // A worker killed on purpose rejects `ready` long after it was awaited.
  ready.catch(() => undefined);
  return { id, child, ready };
}
