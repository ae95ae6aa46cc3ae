import fs from 'node:fs';
import path from 'node:path';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { optionalTsToMs, tsToMs } from '@temporalio/common/lib/time';
import { connectRedis } from '../store/redis/client';
import { RedisTrialStore } from '../store/redis/trialStore';
import type { TrialStore } from '../store/trialStore';
import { formatCsv, generateBars } from '../backtest';
import { startOrAttach } from '../cli/sessionClient';
import { loadSessionSpec } from '../config/load';
import type { SessionSpec } from '../types/session';
import { machineDescription, writeBenchmarkSection } from '../harness/benchReport';
import { startTemporalServer } from '../services/devStack';
import { tuneflowHome } from '../services/paths';
import { startWorkerProcess, type WorkerProcess } from '../harness/workerProcess';
import { stopProcess } from '../services/processes';
import { ensureRedis } from '../services/redis';
import { ensureTemporalCli } from '../services/temporalCli';
import { failureName, runningActivities, scheduledTrials, type PendingActivity } from '../harness/trialActivities';

const BARS = 100_000;
/** Runs per layout (TUNEFLOW_BENCH_REPEATS for a quick look); the median is taken. */
const REPEATS = Number(process.env.TUNEFLOW_BENCH_REPEATS ?? 3);
/** The window: wide enough that `auto` batches reach 32 trials, half of it, so a batch is not all round trip. */
const PARALLELISM = 64;
/** The scaling goal of 1 worker × 2 threads over 1 worker × 1 thread. */
const GOAL = 1.7;

interface Services {
  address: string;
  redisUrl: string;
  client: Client;
  store: TrialStore;
  /** The dev server's and Redis' pids, for their CPU use. */
  servicePids: Array<number | undefined>;
}

function startWorker(services: Services, id: string, taskQueue: string, threads: number, concurrency: number): WorkerProcess {
  return startWorkerProcess({ id, taskQueue, address: services.address, redisUrl: services.redisUrl, threads, concurrency });
}

/** CPU seconds a process (all its threads) has used, from /proc; null where /proc is not there. */
function cpuSeconds(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    // utime and stime, the 14th and 15th fields of the line, in clock ticks (100 a second on Linux).
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

function sumCpu(pids: Array<number | undefined>): number | null {
  const values = pids.map(cpuSeconds);
  return values.some((v) => v === null) ? null : values.reduce((a, b) => a! + b!, 0);
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
search: { algorithm: grid, parallelism: ${PARALLELISM} }
trial: { ${extra || 'batch: auto'} }
output: { dir: ${JSON.stringify(path.join(dir, 'outputs'))} }
`,
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

interface Timing {
  seconds: number;
  meanTrialMs: number;
  /** From starting the session to the last trial record written (the records carry their write time). */
  storedSeconds: number;
  /** CPU seconds during the session: workers (main and backtest threads), dev server plus Redis, this process. */
  cpu: { workers: number; services: number; driver: number } | null;
}

/** Wall time from starting the session to its result, with the workers already polling, and where the CPU went. */
async function timeSession(services: Services, config: string, layout: Layout): Promise<Timing> {
  const spec = specFor(config, `${layout.workers}w${layout.threads}t`);
  const workers = Array.from({ length: layout.workers }, (_, i) =>
    startWorker(services, `${spec.taskQueue}-${i + 1}`, spec.taskQueue, layout.threads, layout.threads),
  );
  try {
    await Promise.all(workers.map((w) => w.ready));
    const workerPids = workers.map((w) => w.child.pid);
    const before = { workers: sumCpu(workerPids), services: sumCpu(services.servicePids), driver: process.cpuUsage() };
    const startedAt = Date.now();
    const started = performance.now();
    const { handle } = await startOrAttach(services.client, spec);
    const summary = await handle.result();
    const seconds = (performance.now() - started) / 1000;
    const afterWorkers = sumCpu(workerPids);
    const afterServices = sumCpu(services.servicePids);
    const driver = process.cpuUsage(before.driver);
    if (summary.counts.succeeded !== spec.search.trials) throw new Error(`${layout.label}: ${JSON.stringify(summary.counts)}`);
    const records = await services.store.allTrials(spec.sessionId);
    const trialMs = records.reduce((sum, r) => sum + r.durationMs, 0);
    const cpu =
      before.workers !== null && before.services !== null && afterWorkers !== null && afterServices !== null
        ? { workers: afterWorkers - before.workers, services: afterServices - before.services, driver: (driver.user + driver.system) / 1e6 }
        : null;
    const storedSeconds = (Math.max(...records.map((r) => Date.parse(r.finishedAt))) - startedAt) / 1000;
    return { seconds, meanTrialMs: trialMs / records.length, storedSeconds, cpu };
  } finally {
    await Promise.all(workers.map((w) => stopProcess(w.child, 35_000)));
  }
}

interface LostTrial {
  trialId: number;
  /** When the lost attempt's heartbeat timeout was due (last heartbeat, else its start, plus the timeout), ms after the kill. */
  deadlineMs: number | null;
  /** When the server handed the retry to a surviving worker, ms after the kill. */
  serverMs: number;
  /** When the surviving worker began the retry, ms after the kill. */
  workerMs: number | null;
  lastFailure: string;
}

interface Recovery {
  heartbeatMs: number;
  storedAtKill: number;
  lost: LostTrial[];
}

/**
 * Two workers; once a third of the trials are stored, one that the server sees running at least two trials
 * (so the kill loses some even if one finishes meanwhile) is SIGKILLed.
 */
async function measureRecovery(services: Services, config: string, heartbeatMs: number): Promise<Recovery> {
  const spec = specFor(config, `recovery-${heartbeatMs / 1000}s`);
  const [a, b] = ['a', 'b'].map((name) => startWorker(services, `${spec.taskQueue}-${name}`, spec.taskQueue, 1, 4));
  try {
    await Promise.all([a.ready, b.ready]);
    const { handle } = await startOrAttach(services.client, spec);
    while ((await services.store.countTrials(spec.sessionId)) < spec.search.trials / 3) await new Promise((r) => setTimeout(r, 50));
    let victim: WorkerProcess | undefined;
    let pending: PendingActivity[] = [];
    while (!victim) {
      pending = runningActivities((await handle.describe()).raw.pendingActivities);
      victim = [a, b].find((w) => runningActivities(pending, w.id).length >= 2);
    }
    victim.child.kill('SIGKILL');
    const killedAt = Date.now();
    const storedAtKill = await services.store.countTrials(spec.sessionId);
    const summary = await handle.result();
    if (summary.counts.succeeded !== spec.search.trials) throw new Error(`recovery session: ${JSON.stringify(summary.counts)}`);
    return { heartbeatMs, storedAtKill, lost: await lostTrials(services, handle, spec.sessionId, killedAt, heartbeatMs, pending) };
  } finally {
    await Promise.all([a, b].map((w) => stopProcess(w.child, 35_000)));
  }
}

/**
 * The trials whose final attempt is 2 or more, from the history: its ActivityTaskStarted event (written for the
 * final attempt only, stamped with the time that attempt started) carries the attempt number and the failure
 * that ended the attempt before. The Redis record (finishedAt minus durationMs) gives the same moment as the
 * surviving worker saw it, and the last look at the pending activities before the kill gives the deadline.
 */
async function lostTrials(
  services: Services,
  handle: WorkflowHandle,
  sessionId: string,
  killedAt: number,
  heartbeatMs: number,
  pendingAtKill: PendingActivity[],
): Promise<LostTrial[]> {
  const { events } = await handle.fetchHistory();
  const scheduledAs = scheduledTrials(events);
  const lost: LostTrial[] = [];
  for (const event of events ?? []) {
    const started = event.activityTaskStartedEventAttributes;
    const trial = started ? scheduledAs.get(Number(started.scheduledEventId)) : undefined;
    if (!started || !trial || (started.attempt ?? 1) < 2) continue;
    const record = await services.store.getTrial(sessionId, trial.trialId);
    const before = pendingAtKill.find((p) => p.activityId === trial.activityId);
    const signs = [before?.lastHeartbeatTime, before?.lastStartedTime].map(optionalTsToMs).filter((t): t is number => t !== undefined);
    const lastSign = signs.length > 0 ? Math.max(...signs) : null;
    lost.push({
      trialId: trial.trialId,
      deadlineMs: lastSign === null ? null : lastSign + heartbeatMs - killedAt,
      serverMs: tsToMs(event.eventTime) - killedAt,
      workerMs: record ? Date.parse(record.finishedAt) - record.durationMs - killedAt : null,
      lastFailure: failureName(started.lastFailure),
    });
  }
  return lost.sort((x, y) => x.serverMs - y.serverMs);
}

const inSeconds = (ms: number | null) => (ms === null ? '–' : (ms / 1000).toFixed(2));

function scalingNote(layouts: Layout[], runs: Map<string, Timing[]>, baseline: number, best: number): string {
  const base = runs.get(layouts[0].label)!;
  const wall = baseline;
  const stored = median(base.map((r) => r.storedSeconds));
  const meanOne = median(base.map((r) => r.meanTrialMs));
  const meanTwo = median(runs.get(layouts[1].label)!.map((r) => r.meanTrialMs));
  const cpus = base.map((r) => r.cpu).filter((c): c is NonNullable<Timing['cpu']> => c !== null);
  const verdict = best >= GOAL ? `The ${GOAL}× goal is met (${best.toFixed(2)}×).` : `The ${GOAL}× goal is not met: ${best.toFixed(2)}×.`;
  let why =
    ` With one thread the last trial is stored ${stored.toFixed(2)} s into the ${wall.toFixed(2)} s session; the rest is` +
    ' aggregation. The sweep is short: starting the session, timing its first batch and each thread parsing the' +
    ' 100,000-bar file cost about as much as the backtests, and none of that is shared out between threads.';
  if (cpus.length > 0) {
    const total = median(cpus.map((c) => c.workers + c.services + c.driver));
    const services = median(cpus.map((c) => c.services));
    const workers = median(cpus.map((c) => c.workers));
    why +=
      ` That run used ${workers.toFixed(1)} CPU-seconds in the worker (main thread and backtest thread) and ${services.toFixed(1)} in the` +
      ` Temporal dev server and Redis, ${total.toFixed(1)} in all (with this script's client) in ${wall.toFixed(1)} s: ${(total / wall).toFixed(2)} of the` +
      ` 2 cores are busy already, so even if no layout added work, none could beat about ${((2 * wall) / total).toFixed(2)}× here.`;
  }
  why +=
    ` With two backtest threads the mean time inside a trial rises from ${meanOne.toFixed(0)} ms to ${meanTwo.toFixed(0)} ms: the threads` +
    ` compete with the server, Redis and the workers' main threads for the same two cores. On a machine whose cores are not shared` +
    ` with the server, or with backtests long enough that the per-trial overhead is small beside them, the layouts scale further.`;
  return verdict + why;
}

function recoveryNote(recoveries: Recovery[]): string {
  const all = recoveries.flatMap((r) => r.lost.map((l) => ({ ...l, goal: r.heartbeatMs + 2000 })));
  if (all.length === 0) return 'No trial was lost: the killed worker finished its trials before it died; run it again.';
  const met = all.every((l) => l.serverMs < l.goal && (l.workerMs === null || l.workerMs < l.goal));
  const afterDeadline = all.filter((l) => l.deadlineMs !== null).map((l) => l.serverMs - l.deadlineMs!);
  const causes = [...new Set(all.map((l) => l.lastFailure))].join(', ');
  return (
    `${met ? 'The goal is met' : 'The goal is not met'} for ${met ? 'every' : 'some'} lost trial (${all.length} in all; the attempt they lost ended by ${causes}).` +
    ' A lost attempt showed its last sign of life (start or heartbeat) before the kill, so its deadline is at most one heartbeat' +
    ' timeout after the kill' +
    (afterDeadline.length > 0
      ? `; the retry started ${inSeconds(Math.min(...afterDeadline))}–${inSeconds(Math.max(...afterDeadline))} s after that deadline` +
        ' (the 200 ms retry interval, the server noticing the timeout, the survivor taking the task).'
      : '.')
  );
}

async function main(): Promise<void> {
  const cli = await ensureTemporalCli();
  const redisService = await ensureRedis({ name: 'bench-fleet' });
  const server = await startTemporalServer({ cliPath: cli.path, name: 'bench-fleet', persist: false, headless: true });
  const connection = await Connection.connect({ address: server.address });
  const redis = connectRedis(redisService.url, { role: 'bench:fleet', maxRetriesPerRequest: 3 });
  const services: Services = {
    address: server.address,
    redisUrl: redisService.url,
    client: new Client({ connection }),
    store: new RedisTrialStore(redis),
    servicePids: [server.child.pid, redisService.pid],
  };
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
    const runs = new Map<string, Timing[]>(layouts.map((l) => [l.label, []]));
    // Round-robin, so a slow phase of the machine does not land on one layout only.
    for (let r = 0; r < REPEATS; r++) {
      for (const layout of layouts) {
        const run = await timeSession(services, grid, layout);
        runs.get(layout.label)!.push(run);
        console.error(`${layout.label}, run ${r + 1}: ${run.seconds.toFixed(2)} s (last trial stored at ${run.storedSeconds.toFixed(2)} s), mean trial ${run.meanTrialMs.toFixed(1)} ms, CPU ${JSON.stringify(run.cpu)}`);
      }
    }
    const baseline = median(runs.get(layouts[0].label)!.map((r) => r.seconds));
    const speedups: number[] = [];
    const scalingRows = layouts.map((layout) => {
      const results = runs.get(layout.label)!;
      const wall = median(results.map((r) => r.seconds));
      speedups.push(baseline / wall);
      const cpu = results.every((r) => r.cpu)
        ? `${median(results.map((r) => r.cpu!.workers)).toFixed(1)} / ${median(results.map((r) => r.cpu!.services)).toFixed(1)}`
        : '–';
      return (
        `| ${layout.label} | \`--threads ${layout.threads} --concurrency ${layout.threads}\`${layout.workers > 1 ? ' each' : ''} | ${results.map((r) => r.seconds.toFixed(1)).join(' / ')} | ` +
        `${wall.toFixed(1)} | ${median(results.map((r) => r.meanTrialMs)).toFixed(0)} | ${cpu} | ${(baseline / wall).toFixed(2)}× |`
      );
    });

    if (process.argv.includes('--scaling-only')) {
      // A quick look at scaling: printed, not written, since the section also holds the recovery figures.
      console.error(scalingRows.join('\n'));
      console.error(scalingNote(layouts, runs, baseline, speedups[1]!));
      return;
    }
    const recoveries: Recovery[] = [];
    for (const heartbeatMs of [3000, 10_000]) {
      // One activity per trial: the figures follow each lost trial through its own activity's history.
      const config = gridConfig(dir, `batch: 1, heartbeat_timeout: ${heartbeatMs / 1000}s, retry: { initial_interval: 200ms }`);
      const recovery = await measureRecovery(services, config, heartbeatMs);
      recoveries.push(recovery);
      console.error(`recovery, heartbeat timeout ${heartbeatMs / 1000} s: ${JSON.stringify(recovery)}`);
    }
    const recoveryRows = recoveries.flatMap((r) =>
      r.lost.map((l) => {
        const goal = r.heartbeatMs + 2000;
        const worst = Math.max(l.serverMs, l.workerMs ?? -Infinity);
        return (
          `| ${r.heartbeatMs / 1000} s | ${r.storedAtKill} / 175 | ${l.trialId} | ${l.lastFailure} | ${inSeconds(l.deadlineMs)} | ` +
          `${inSeconds(l.serverMs)} | ${inSeconds(l.workerMs)} | ${worst < goal ? 'yes' : 'no'} (< ${goal / 1000} s) |`
        );
      }),
    );

    writeBenchmarkSection(
      'Worker fleet',
      `Command: \`npm run bench:fleet\` · machine: ${machineDescription()} · date: ${new Date().toISOString().slice(0, 10)}

**Scaling.** The SMA crossover grid (fast 5..50 step 5 × slow 10..200 step 10 with fast < slow: 175 trials,
parallelism ${PARALLELISM}, \`trial.batch: auto\`) on a generated ${BARS.toLocaleString('en-US')}-bar hourly series, run by \`tuneflow worker\` processes
against the Temporal CLI dev server (in memory) and Redis, all on this machine. Wall time from starting the session
to its result, with the workers already polling; ${REPEATS} runs per layout, round-robin, median taken. "Mean trial" is
the time inside the trial activity (backtest in a backtest thread plus the Redis writes), from the trial store. CPU is
the CPU time (from \`/proc\`) of the worker processes, and of the dev server plus Redis, during the session.

| layout | worker flags | wall time per run (s) | median (s) | mean trial (ms) | CPU s: workers / server + Redis | speedup |
|---|---|---|---|---|---|---|
${scalingRows.join('\n')}

${scalingNote(layouts, runs, baseline, speedups[1]!)}

**Recovery.** The same grid with \`trial.batch: 1\` (one activity per trial) and \`retry.initial_interval: 200ms\`, on two workers with \`--threads 1 --concurrency 4\`.
Once a third of the trials are stored, a worker that the server shows running at least two trials (the pending
activities of \`describe()\`) is SIGKILLed. A lost trial is one whose final attempt is 2 or more in the workflow history;
all times are seconds after the kill. *Deadline*: when the lost attempt's heartbeat timeout was due (its last heartbeat,
else its start, from the last \`describe()\` before the kill, plus the timeout). *Retry started, server*: the time of the
retry's ActivityTaskStarted event in \`handle.fetchHistory()\` (the history writes that event for the final attempt only,
stamped with when the server handed it to the surviving worker). *Retry started, worker*: the retry's Redis record,
\`finishedAt\` minus \`durationMs\` (when the surviving worker began it). Both clocks are this machine's.

| heartbeat timeout | trials stored at the kill | lost trial | lost attempt ended by | deadline | retry started, server | retry started, worker | within timeout + 2 s |
|---|---|---|---|---|---|---|---|
${recoveryRows.join('\n')}

${recoveryNote(recoveries)}`,
    );
  } finally {
    redis.disconnect();
    await connection.close();
    await stopProcess(server.child);
    await redisService.release();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(2);
  },
);
