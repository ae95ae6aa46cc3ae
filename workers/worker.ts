import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DefaultLogger, NativeConnection, Runtime, Worker, bundleWorkflowCode, type WorkflowBundleOption } from '@temporalio/worker';
import { createActivities } from '../activities';
import { createWorkerEvaluator, type TrialEvaluator } from '../evaluators/index';
import { connectRedis } from '../store/redis/client';
import type { TrialTelemetry } from '../activities/telemetry';
import { WorkerStatsStore } from '../store/redis/workerStats';
import { PROJECT_ROOT } from '../services/paths';

export interface TuneflowWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  redisUrl: string;
  workerId?: string;
  /** Trial activities at once on this worker (default: threads, at least 2). */
  concurrency?: number;
  /** Backtest threads for built-in backtests (default: the machine's cores; 0 runs them on the main thread). */
  threads?: number;
  /** Heap limit of each backtest thread, in MB. */
  maxMemoryMb?: number;
  /** A test's or embedder's evaluator instead of the thread pool and command runner. */
  evaluate?: TrialEvaluator;
  /** How long in-flight trials may finish after shutdown starts (default 30 s). */
  shutdownGraceMs?: number;
  /** Where trial counts and times go besides the trial store: the worker's Prometheus metrics. */
  telemetry?: TrialTelemetry;
}

export interface TuneflowWorker {
  worker: Worker;
  workerId: string;
  /** Releases Redis, the thread pool and timers; call after the worker has stopped. */
  close(): Promise<void>;
}

/** How often an idle worker tells the fleet view it is alive. */
const SEEN_EVERY_MS = 10_000;

/** The bundle built at `npm run build`; bundling on the fly is the fallback (it takes seconds). */
const PREBUILT_BUNDLE = path.join(PROJECT_ROOT, 'dist', 'workflow-bundle.js');

let bundle: Promise<WorkflowBundleOption> | undefined;

export function workflowBundle(): Promise<WorkflowBundleOption> {
  bundle ??= fs.existsSync(PREBUILT_BUNDLE)
    ? Promise.resolve({ codePath: PREBUILT_BUNDLE })
    : bundleWorkflowCode({ workflowsPath: require.resolve('../workflows'), logger: quietLogger }).then((b) => ({ code: b.code }));
  return bundle;
}

const quietLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (message: string) => console.error(message),
  error: (message: string) => console.error(message),
};

let runtimeInstalled = false;

/**
 * Installs the SDK runtime once per process logging errors only (TUNEFLOW_LOG_LEVEL=WARN or INFO for more), so a worker's lifecycle chatter
 * does not drown the CLI's own output. With `prometheusAddress` (host:port) the SDK's Core serves its metrics
 * there, under their own names (`temporal_` prefix, milliseconds), which Temporal's SDK dashboards expect.
 * Must run before the first connection is made; later calls change nothing.
 */
export function installRuntime(options: { prometheusAddress?: string } = {}): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  Runtime.install({
    logger: new DefaultLogger((process.env.TUNEFLOW_LOG_LEVEL as 'WARN' | undefined) ?? 'ERROR'),
    ...(options.prometheusAddress ? { telemetryOptions: { metrics: { prometheus: { bindAddress: options.prometheusAddress } } } } : {}),
  });
}

export function defaultWorkerId(): string {
  return `${os.hostname()}-${process.pid}`;
}

function packageVersion(pkg: string): string {
  try {
    return (JSON.parse(fs.readFileSync(require.resolve(`${pkg}/package.json`), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** A worker that runs session workflows and trial activities. */
export async function createTuneflowWorker(opts: TuneflowWorkerOptions): Promise<TuneflowWorker> {
  const workerId = opts.workerId ?? defaultWorkerId();
  // Trial bookkeeping waits out a Redis outage instead of failing trials: commands queue until it is back.
  const redis = connectRedis(opts.redisUrl, { role: `worker ${workerId}`, maxRetriesPerRequest: null, lazyConnect: false });
  const threads = opts.threads ?? os.availableParallelism();
  const evaluator = opts.evaluate ? null : createWorkerEvaluator({ threads, maxMemoryMb: opts.maxMemoryMb, workerId });
  const stats = new WorkerStatsStore(redis);
  await stats.announce(workerId, os.hostname());
  const seen = setInterval(() => void stats.seen(workerId).catch(() => undefined), SEEN_EVERY_MS);
  let serverVersion = 'unknown';
  try {
    const info = await opts.connection.workflowService.getSystemInfo({});
    serverVersion = info.serverVersion ?? 'unknown';
  } catch {
    // The version is informational only.
  }
  const versions = {
    tuneflow: (JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string }).version,
    temporal_sdk: packageVersion('@temporalio/worker'),
    temporal_server: serverVersion,
    node: process.version,
  };
  // Trials at once on this worker: activity slots for single trials, and within a batch those that run alone.
  const concurrency = opts.concurrency ?? Math.max(2, threads);
  const worker = await Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    identity: workerId,
    workflowBundle: await workflowBundle(),
    activities: createActivities({
      redis,
      workerId,
      versions,
      evaluate: opts.evaluate ?? evaluator!.evaluate,
      evaluateMany: opts.evaluate ? undefined : evaluator!.evaluateMany,
      threads: Math.max(1, threads),
      concurrency,
      redisUrl: opts.redisUrl,
      telemetry: opts.telemetry,
    }),
    maxConcurrentActivityTaskExecutions: concurrency,
    maxCachedWorkflows: 100,
    shutdownGraceTime: opts.shutdownGraceMs ?? 30_000,
  });
  return {
    worker,
    workerId,
    close: async () => {
      clearInterval(seen);
      await evaluator?.close();
      await stats.seen(workerId).catch(() => undefined);
      redis.disconnect();
    },
  };
}
