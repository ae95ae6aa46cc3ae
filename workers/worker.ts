import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DefaultLogger, NativeConnection, Runtime, Worker, bundleWorkflowCode, type WorkflowBundleOption } from '@temporalio/worker';
import Redis from 'ioredis';
import { createActivities } from '../activities';
import type { TrialEvaluator } from '../activities/evaluators';
import { PROJECT_ROOT } from '../scripts/paths';

export interface TuneflowWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  redisUrl: string;
  workerId?: string;
  /** Trial activities at once on this worker. */
  concurrency?: number;
  evaluate?: TrialEvaluator;
  shutdownGraceMs?: number;
}

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
 * Installs the SDK runtime once per process with warnings and errors only, so a worker's lifecycle chatter
 * does not drown the CLI's own output. Must run before the first connection is made.
 */
export function installRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  Runtime.install({ logger: new DefaultLogger((process.env.TUNEFLOW_LOG_LEVEL as 'WARN' | undefined) ?? 'WARN') });
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

/** A worker that runs session workflows and trial activities; `redis` is closed when it stops. */
export async function createTuneflowWorker(opts: TuneflowWorkerOptions): Promise<{ worker: Worker; redis: Redis; workerId: string }> {
  const redis = new Redis(opts.redisUrl, { maxRetriesPerRequest: null, lazyConnect: false });
  const workerId = opts.workerId ?? defaultWorkerId();
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
  const worker = await Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    identity: workerId,
    workflowBundle: await workflowBundle(),
    activities: createActivities({ redis, workerId, versions, evaluate: opts.evaluate }),
    maxConcurrentActivityTaskExecutions: opts.concurrency ?? Math.max(2, os.availableParallelism() * 2),
    maxCachedWorkflows: 100,
    shutdownGraceTime: opts.shutdownGraceMs ?? 30_000,
  });
  return { worker, redis, workerId };
}
