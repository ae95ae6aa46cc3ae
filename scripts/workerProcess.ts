import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { PROJECT_ROOT } from './paths';

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
}): WorkerProcess {
  const { id, taskQueue } = opts;
  const child = spawn(
    process.execPath,
    [path.join(PROJECT_ROOT, 'bin', 'tuneflow'), 'worker', '--task-queue', taskQueue, '--worker-id', id, '--threads', String(opts.threads), '--concurrency', String(opts.concurrency), '--shutdown-grace', '30s'],
    { env: { ...process.env, TEMPORAL_ADDRESS: opts.address, REDIS_URL: opts.redisUrl, TUNEFLOW_TASK_QUEUE: taskQueue }, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  const ready = new Promise<void>((resolve, reject) => {
    child.stderr!.on('data', (chunk) => {
      stderr += chunk;
      if (stderr.includes(`Worker ${id} polling`)) resolve();
    });
    child.once('exit', (code, signal) => reject(new Error(`worker ${id} exited (${code ?? signal}) before polling:\n${stderr}`)));
  });
  // A worker killed on purpose rejects `ready` long after it was awaited.
  ready.catch(() => undefined);
  return { id, child, ready };
}
