import type { NativeConnection } from '@temporalio/worker';
import type { Command } from 'commander';
import { parseDuration } from '../../config/duration';
import { DEFAULT_TASK_QUEUE } from '../../config/load';
import { InputError } from '../../errors';
import { connectWorker } from '../../workers/connection';
import { createWorkerMetrics, type WorkerMetrics } from '../../workers/metrics';
import { startMetricsServer, type MetricsServer } from '../../workers/metricsServer';
import { createTuneflowWorker, installRuntime } from '../../workers/worker';
import { nonNegativeInt, portNumber, positiveInt } from '../options';
import { resolveServices, type Services } from '../services';

interface WorkerFlags {
  taskQueue?: string;
  concurrency?: number;
  threads?: number;
  maxMemoryMb?: number;
  workerId?: string;
  shutdownGrace: string;
  metricsPort?: number;
}

export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description('run a worker that executes sessions and trials until SIGINT/SIGTERM')
    .option('--task-queue <name>', 'task queue to poll (default: TUNEFLOW_TASK_QUEUE, else tuneflow)')
    .option('--concurrency <n>', 'trial activities at once (default: --threads, at least 2)', positiveInt('--concurrency'))
    .option('--threads <n>', 'backtest threads (default: number of cores; 0: backtests run on the main thread)', nonNegativeInt('--threads'))
    .option('--max-memory-mb <n>', 'heap limit of each backtest thread; a trial past it fails and is retried', positiveInt('--max-memory-mb'))
    .option('--worker-id <id>', 'name of this worker in results and statistics (default: host-pid)')
    .option('--shutdown-grace <duration>', 'on SIGTERM/SIGINT, how long running trials may finish', '30s')
    .option('--metrics-port <port>', 'serve Prometheus metrics (tuneflow and Temporal SDK) at http://<host>:<port>/metrics', portNumber('--metrics-port'))
    .action(async (flags: WorkerFlags) => {
      const graceMs = parseDuration(flags.shutdownGrace);
      if (graceMs === null) throw new InputError(`--shutdown-grace takes a duration such as 30s or 2m, got "${flags.shutdownGrace}".`);
      // Bound before anything starts, so a port in use stops the worker with nothing to undo.
      const serving = flags.metricsPort === undefined ? null : await serveMetrics(flags.metricsPort);
      try {
        const services = await resolveServices();
        try {
          const connection = await connectWorker(services.target);
          try {
            await runWorker(flags, graceMs, services, connection, serving?.metrics ?? null);
          } finally {
            await connection.close();
          }
        } finally {
          await services.release();
        }
      } finally {
        await serving?.server.close();
      }
    });
}

/** The worker's metrics and their endpoint, with the SDK runtime told to export its own for the endpoint to add. */
async function serveMetrics(port: number): Promise<{ metrics: WorkerMetrics; server: MetricsServer }> {
  const metrics = createWorkerMetrics();
  const server = await startMetricsServer(port, metrics.registry);
  try {
    installRuntime({ prometheusAddress: server.sdkAddress });
  } catch (err) {
    await server.close();
    throw err;
  }
  return { metrics, server };
}

async function runWorker(flags: WorkerFlags, graceMs: number, services: Services, connection: NativeConnection, metrics: WorkerMetrics | null): Promise<void> {
  const taskQueue = flags.taskQueue ?? process.env.TUNEFLOW_TASK_QUEUE ?? DEFAULT_TASK_QUEUE;
  const { worker, close, workerId } = await createTuneflowWorker({
    connection,
    namespace: services.target.namespace,
    taskQueue,
    redisUrl: services.redisUrl,
    workerId: flags.workerId,
    concurrency: flags.concurrency,
    threads: flags.threads,
    maxMemoryMb: flags.maxMemoryMb,
    shutdownGraceMs: graceMs,
    telemetry: metrics?.telemetry,
  });
  // The SDK drains the worker on the first SIGINT/SIGTERM; a second one means "now".
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals += 1;
    if (signals === 1) console.error(`${signal}: finishing running trials (up to ${flags.shutdownGrace}); send it again to stop at once.`);
    else {
      services.releaseNow();
      process.exit(130);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const serving = flags.metricsPort === undefined ? '' : `; metrics at http://0.0.0.0:${flags.metricsPort}/metrics`;
  console.error(`Worker ${workerId} polling ${taskQueue} on ${services.target.address} (namespace ${services.target.namespace})${serving}.`);
  try {
    await worker.run();
  } finally {
    await close();
  }
  console.error(`Worker ${workerId} stopped.`);
}
