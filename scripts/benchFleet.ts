import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { tsToMs } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';
import Redis from 'ioredis';
import type { TrialInput } from '../activities/evaluators';
import { TrialStore } from '../activities/trialStore';
import { formatCsv, generateBars } from '../backtest';
import { startOrAttach } from '../cli/sessionClient';
import { loadSessionSpec } from '../config/load';
import type { SessionSpec } from '../types/session';
import { machineDescription, writeBenchmarkSection } from './benchReport';
import { startTemporalServer } from './devStack';
import { PROJECT_ROOT, tuneflowHome } from './paths';
import { stopProcess } from './processes';
import { ensureRedis } from './redis';
import { ensureTemporalCli } from './temporalCli';

const BIN = path.join(PROJECT_ROOT, 'bin', 'tuneflow');
const BARS = 100_000;
const REPEATS = 3;

interface Services {
  address: string;
  redisUrl: string;
  client: Client;
  store: TrialStore;
}

interface WorkerProcess {
  id: string;
  child: ChildProcess;
  ready: Promise<void>;
}

function startWorker(services: Services, id: string, taskQueue: string, threads: number, concurrency: number): WorkerProcess {
  const child = spawn(
    process.execPath,
    [BIN, 'worker', '--task-queue', taskQueue, '--worker-id', id, '--threads', String(threads), '--concurrency', String(concurrency), '--shutdown-grace', '30s'],
    { env: { ...process.env, TEMPORAL_ADDRESS: services.address, REDIS_URL: services.redisUrl, TUNEFLOW_TASK_QUEUE: taskQueue }, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  const ready = new Promise<void>((resolve, reject) => {
    child.stderr!.on('data', (chunk) => {
      stderr += chunk;
      if (stderr.includes(`Worker ${id} polling`)) resolve();
    });
    child.once('exit', (code, signal) => reject(new Error(`worker ${id} exited (${code ?? signal}) before polling:\n${stderr}`)));
  });
  ready.catch(() => undefined);
  return { id, child, ready };
}

function gridConfig(dir: string, extra = ''): string {
  const file = path.join(dir, extra ? 'recovery.yaml' : 'grid.yaml');
  fs.writeFileSync(
    file,
    `data: prices.csv
strategy: sma_crossover
backtest: { cash: 10000, commission: 0.002 }
params:
  fast: { type: int, low: 5, high: 50, step: 5 }
  slow: { type: int, low: 10, high: 200, step: 10 }
constraints: ["fast < slow"]
objective: sharpe
search: { algorithm: grid, parallelism: 8 }
output: { dir: ${JSON.stringify(path.join(dir, 'outputs'))} }
${extra}`,
  );
  return file;
}

function specFor(config: string, label: string): SessionSpec {
  const stamp = Date.now();
  return { ...loadSessionSpec(config, { sessionId: `bench-fleet-${label}-${stamp}` }), taskQueue: `bench-fleet-${label}-${stamp}` };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

interface Layout {
  label: string;
  workers: number;
  threads: number;
}

/** Wall time from starting the session to its result, with the workers already polling; and the mean trial time. */
async function timeSession(services: Services, config: string, layout: Layout): Promise<{ seconds: number; meanTrialMs: number }> {
  const spec = specFor(config, `${layout.workers}w${layout.threads}t`);
  const workers = Array.from({ length: layout.workers }, (_, i) =>
    startWorker(services, `${spec.taskQueue}-${i + 1}`, spec.taskQueue, layout.threads, layout.threads),
  );
  try {
    await Promise.all(workers.map((w) => w.ready));
    const started = performance.now();
    const { handle } = await startOrAttach(services.client, spec);
    const summary = await handle.result();
    const seconds = (performance.now() - started) / 1000;
    if (summary.counts.succeeded !== spec.search.trials) throw new Error(`${layout.label}: ${JSON.stringify(summary.counts)}`);
    const records = await services.store.allTrials(spec.sessionId);
    return { seconds, meanTrialMs: records.reduce((sum, r) => sum + r.durationMs, 0) / records.length };
  } finally {
    await Promise.all(workers.map((w) => stopProcess(w.child, 35_000)));
  }
}

interface Recovery {
  heartbeatMs: number;
  storedAtKill: number;
  lost: Array<{ trialId: number; serverMs: number; workerMs: number; lastFailure: string }>;
}

/** The name of the timeout that ended the previous attempt, as the history tells it. */
function failureName(failure: temporal.api.failure.v1.IFailure | null | undefined): string {
  const type = failure?.timeoutFailureInfo?.timeoutType;
  if (type !== undefined && type !== null) return temporal.api.enums.v1.TimeoutType[type].replace('TIMEOUT_TYPE_', '').toLowerCase();
  return failure?.message ?? 'unknown';
}

/**
 * Two workers, one SIGKILLed while the server sees it running trials. Each trial it loses is found in the
 * history as an ActivityTaskStarted event of attempt 2 or later: that event's time is when the server handed
 * the retry to the surviving worker. The Redis record (finishedAt minus duration) gives the same moment as
 * the surviving worker saw it.
 */
async function measureRecovery(services: Services, config: string, heartbeatMs: number): Promise<Recovery> {
  const spec = specFor(config, `recovery-${heartbeatMs}`);
  const [a, b] = ['a', 'b'].map((name) => startWorker(services, `${spec.taskQueue}-${name}`, spec.taskQueue, 1, 4));
  try {
    await Promise.all([a.ready, b.ready]);
    const { handle } = await startOrAttach(services.client, spec);
    while ((await services.store.countTrials(spec.sessionId)) < spec.search.trials / 3) await new Promise((r) => setTimeout(r, 50));
    let victim: WorkerProcess | undefined;
    while (!victim) {
      const { raw } = await handle.describe();
      const busy = new Set(
        (raw.pendingActivities ?? [])
          .filter((p) => p.state === temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED)
          .map((p) => p.lastWorkerIdentity),
      );
      victim = [a, b].find((w) => busy.has(w.id));
    }
    victim.child.kill('SIGKILL');
    const killedAt = Date.now();
    const storedAtKill = await services.store.countTrials(spec.sessionId);
    const summary = await handle.result();
    if (summary.counts.succeeded !== spec.search.trials) throw new Error(`recovery session: ${JSON.stringify(summary.counts)}`);
    return { heartbeatMs, storedAtKill, lost: await lostTrials(services, handle, spec.sessionId, killedAt) };
  } finally {
    await Promise.all([a, b].map((w) => stopProcess(w.child, 35_000)));
  }
}

async function lostTrials(services: Services, handle: WorkflowHandle, sessionId: string, killedAt: number): Promise<Recovery['lost']> {
  const history = await handle.fetchHistory();
  const trialOf = new Map<number, number>();
  const lost: Recovery['lost'] = [];
  for (const event of history.events ?? []) {
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled?.activityType?.name === 'evaluateTrial') {
      trialOf.set(Number(event.eventId), defaultPayloadConverter.fromPayload<TrialInput>(scheduled.input!.payloads![0]).trialId);
    }
    const started = event.activityTaskStartedEventAttributes;
    const trialId = started ? trialOf.get(Number(started.scheduledEventId)) : undefined;
    if (started && trialId !== undefined && (started.attempt ?? 1) > 1) {
      const record = await services.store.getTrial(sessionId, trialId);
      lost.push({
        trialId,
        serverMs: tsToMs(event.eventTime) - killedAt,
        workerMs: record ? Date.parse(record.finishedAt) - record.durationMs - killedAt : NaN,
        lastFailure: failureName(started.lastFailure),
      });
    }
  }
  return lost;
}

async function main(): Promise<void> {
  const cli = await ensureTemporalCli();
  const redisService = await ensureRedis({ name: 'bench-fleet' });
  const server = await startTemporalServer({ cliPath: cli.path, name: 'bench-fleet', persist: false, headless: true });
  const connection = await Connection.connect({ address: server.address });
  const redis = new Redis(redisService.url, { maxRetriesPerRequest: 3 });
  const services: Services = { address: server.address, redisUrl: redisService.url, client: new Client({ connection }), store: new TrialStore(redis) };
  const dir = path.join(tuneflowHome(), 'bench-fleet');
  try {
    fs.mkdirSync(dir, { recursive: true });
    const bars = generateBars({ seed: 11, bars: BARS, interval: '1h', weekends: true, start: '2010-01-01', mu: 0.05, sigma: 0.25, startPrice: 100 });
    fs.writeFileSync(path.join(dir, 'prices.csv'), formatCsv(bars));
    const grid = gridConfig(dir);

    const layouts: Layout[] = [
      { label: '1 worker × 1 thread', workers: 1, threads: 1 },
      { label: '1 worker × 2 threads', workers: 1, threads: 2 },
      { label: '2 workers × 1 thread', workers: 2, threads: 1 },
    ];
    const runs = new Map<string, Array<{ seconds: number; meanTrialMs: number }>>(layouts.map((l) => [l.label, []]));
    // Round-robin, so a slow phase of the machine does not land on one layout only.
    for (let r = 0; r < REPEATS; r++) {
      for (const layout of layouts) {
        const run = await timeSession(services, grid, layout);
        runs.get(layout.label)!.push(run);
        console.error(`${layout.label}, run ${r + 1}: ${run.seconds.toFixed(2)} s, mean trial ${run.meanTrialMs.toFixed(1)} ms`);
      }
    }
    const baseline = median(runs.get(layouts[0].label)!.map((r) => r.seconds));
    const speedups = new Map<string, number>();
    const scalingRows = layouts.map((layout) => {
      const results = runs.get(layout.label)!;
      const wall = median(results.map((r) => r.seconds));
      speedups.set(layout.label, baseline / wall);
      return `| ${layout.label} | \`--threads ${layout.threads} --concurrency ${layout.threads}\` | ${results.map((r) => r.seconds.toFixed(1)).join(' / ')} | ${wall.toFixed(1)} | ${median(results.map((r) => r.meanTrialMs)).toFixed(0)} | ${(baseline / wall).toFixed(2)}× |`;
    });

    const recoveries: Recovery[] = [];
    for (const heartbeatMs of [3000, 10_000]) {
      const config = gridConfig(dir, `trial:\n  heartbeat_timeout: ${heartbeatMs / 1000}s\n  retry: { initial_interval: 200ms }\n`);
      const recovery = await measureRecovery(services, config, heartbeatMs);
      recoveries.push(recovery);
      console.error(`recovery, heartbeat timeout ${heartbeatMs / 1000} s: ${JSON.stringify(recovery)}`);
    }
    const recoveryRows = recoveries.map((r) => {
      const server = r.lost.map((l) => l.serverMs);
      const worker = r.lost.map((l) => l.workerMs);
      const goal = r.heartbeatMs + 2000;
      const worst = Math.max(...server, ...worker);
      const causes = [...new Set(r.lost.map((l) => l.lastFailure))].join(', ');
      return (
        `| ${r.heartbeatMs / 1000} s | ${r.storedAtKill} / 175 | ${r.lost.length} (${causes}) | ` +
        `${(Math.min(...server) / 1000).toFixed(2)}–${(Math.max(...server) / 1000).toFixed(2)} | ` +
        `${(Math.min(...worker) / 1000).toFixed(2)}–${(Math.max(...worker) / 1000).toFixed(2)} | ${goal / 1000} s: ${r.lost.length > 0 && worst < goal ? 'met' : 'not met'} |`
      );
    });

    const best = Math.max(speedups.get(layouts[1].label)!, speedups.get(layouts[2].label)!);
    const verdict =
      best >= 1.9
        ? `The 1.9× goal is met (best ${best.toFixed(2)}×).`
        : `The 1.9× goal is not met (best ${best.toFixed(2)}×).`;
    writeBenchmarkSection(
      'Worker fleet',
      `Command: \`npm run bench:fleet\` · machine: ${machineDescription()} · date: ${new Date().toISOString().slice(0, 10)}

**Scaling.** The SMA crossover grid (fast 5..50 step 5 × slow 10..200 step 10 with fast < slow: 175 trials,
parallelism 8) on a generated ${BARS.toLocaleString('en-US')}-bar series, run by \`tuneflow worker\` processes
against the Temporal CLI dev server (in memory) and Redis, all on this machine. Wall time from starting the session
to its result with the workers already polling; ${REPEATS} runs per layout, round-robin, median taken. "Mean trial"
is the time inside the trial activity (backtest in a worker thread plus the Redis writes), from the trial store.

| layout | worker flags | wall time per run (s) | median (s) | mean trial (ms) | speedup |
|---|---|---|---|---|---|
${scalingRows.join('\n')}

${verdict} ${SCALING_NOTE}

**Recovery.** The same grid (eager retries: \`retry.initial_interval: 200ms\`) on two workers with
\`--threads 1 --concurrency 4\`; once a third of the trials are stored, the worker that the server shows running a
trial (\`describe()\`'s pending activities) is SIGKILLed. A lost trial is one whose final attempt is 2 or more. Its
recovery time is measured two ways from the moment of the kill: on the server, the time of the ActivityTaskStarted
event of that attempt in the workflow history (\`handle.fetchHistory()\`: when the server handed the retry to the
surviving worker); on the worker, the Redis record's \`finishedAt\` minus its \`durationMs\` (when the surviving worker
began the trial). The cause of the lost attempt is the history's \`lastFailure\` of the retry.

| heartbeat timeout | trials stored at the kill | trials lost (cause) | kill → retry started, server (s) | kill → retry started, worker (s) | goal (timeout + 2 s) |
|---|---|---|---|---|---|
${recoveryRows.join('\n')}

${RECOVERY_NOTE}`,
    );
  } finally {
    redis.disconnect();
    await connection.close();
    await stopProcess(server.child);
    await redisService.stop();
  }
}

const SCALING_NOTE = '';
const RECOVERY_NOTE = '';

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(2);
  },
);
