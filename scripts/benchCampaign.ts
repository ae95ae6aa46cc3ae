/**
 * `npm run bench:campaign [-- --trials N]`: runs configs/million.yaml (1,000,000 trials unless `--trials N` or
 * TUNEFLOW_BENCH_TRIALS says otherwise) end to end on a private stack: the Temporal dev server persisting to a
 * SQLite file, as the embedded stack does, a Redis with AOF started for the run, and one `tuneflow worker`
 * process with two backtest threads. Beside the durable rate it measures the engine alone (the project's
 * thread pool running runManySettled on the same data and parameter sets, with one and with two threads), so
 * the cost of durability is a ratio on the same machine in the same run. Writes the "Million-trial campaign"
 * section of BENCHMARKS.md.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { connectRedis } from '../store/redis/client';
import { startOrAttach } from '../cli/sessionClient';
import { loadSessionSpec } from '../config/load';
import { Space } from '../search/space';
import type { Params } from '../search/types';
import type { SessionProgress, SessionSpec } from '../types/session';
import { createBacktestPool } from '../evaluators/pool';
import { machineDescription, trialsWanted, writeBenchmarkSection } from '../harness/benchReport';
import { startTemporalServer } from '../services/devStack';
import { PROJECT_ROOT, tuneflowHome } from '../services/paths';
import { freePort, stopProcess } from '../services/processes';
import { findRedisServer, startRedisServer } from '../services/redis';
import { ensureTemporalCli } from '../services/temporalCli';
import { startWorkerProcess } from '../harness/workerProcess';

const CONFIG = path.join(PROJECT_ROOT, 'configs', 'million.yaml');
const THREADS = 2;
/** Parameter sets the engine-alone rate is measured on: the session's first ones, enough for a steady rate. */
const RAW_CAP = 100_000;
/** Trials per runManySettled call in the engine-alone runs: large enough that sharing indicators pays in full. */
const RAW_CHUNK = 500;
const SAMPLE_EVERY_MS = 500;

/** Engine alone: trials/s of the thread pool's runManySettled over `params`, after one chunk of warm-up. */
async function rawRate(spec: SessionSpec, params: Params[], threads: number): Promise<number> {
  if (spec.evaluator.kind !== 'backtest') throw new Error('the campaign must run a built-in backtest');
  const evaluator = spec.evaluator;
  const pool = createBacktestPool({ threads });
  try {
    const signal = new AbortController().signal;
    const chunks: Params[][] = [];
    for (let i = 0; i < params.length; i += RAW_CHUNK) chunks.push(params.slice(i, i + RAW_CHUNK));
    await Promise.all(Array.from({ length: threads }, () => pool.evaluateMany(evaluator, chunks[0]!, signal, spec.trial.timeoutMs)));
    const started = performance.now();
    const results = await Promise.all(chunks.map((chunk) => pool.evaluateMany(evaluator, chunk, signal, spec.trial.timeoutMs)));
    const seconds = (performance.now() - started) / 1000;
    const failed = results.flatMap((r) => r.results).filter((r) => r instanceof Error).length;
    if (failed > 0) throw new Error(`${failed} engine-alone backtests failed`);
    return params.length / seconds;
  } finally {
    await pool.close();
  }
}

/** Resident and peak resident memory of a process in MB, from /proc; null once it is gone. */
function memoryMb(pid: number): { rss: number; hwm: number } | null {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string) => Number(/\s(\d+) kB/.exec(status.slice(status.indexOf(`${key}:`)))?.[1] ?? NaN);
    return { rss: kb('VmRSS') / 1024, hwm: kb('VmHWM') / 1024 };
  } catch {
    return null;
  }
}

async function usedMemory(redis: ReturnType<typeof connectRedis>): Promise<number> {
  const info = await redis.info('memory');
  return Number(/used_memory:(\d+)/.exec(info)?.[1] ?? NaN);
}

/** Events of every run of the session, following the continue-as-new chain from its first run. */
async function historyOfChain(client: Client, workflowId: string, firstRunId: string): Promise<{ events: number; runs: number }> {
  let runId: string | undefined = firstRunId;
  let events = 0;
  let runs = 0;
  while (runId) {
    const description = await client.workflow.getHandle(workflowId, runId).describe();
    events += description.historyLength;
    runs += 1;
    if (description.status.name !== 'CONTINUED_AS_NEW') break;
    const close: temporal.api.workflowservice.v1.IGetWorkflowExecutionHistoryResponse = await client.workflowService.getWorkflowExecutionHistory({
      namespace: 'default',
      execution: { workflowId, runId },
      historyEventFilterType: temporal.api.enums.v1.HistoryEventFilterType.HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT,
    });
    runId = close.history?.events?.[0]?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
  }
  return { events, runs };
}

interface Sample {
  seconds: number;
  done: number;
}

/** Seconds at which the stored count first reached `target`, interpolated between the samples around it. */
function reachedAt(samples: Sample[], target: number): number {
  const i = samples.findIndex((s) => s.done >= target);
  if (i <= 0) return samples[Math.max(i, 0)]?.seconds ?? NaN;
  const a = samples[i - 1]!;
  const b = samples[i]!;
  return a.seconds + ((target - a.done) / (b.done - a.done)) * (b.seconds - a.seconds);
}

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const verdict = (ok: boolean) => (ok ? 'met' : '**missed**');

async function main(): Promise<void> {
  const trials = trialsWanted(1_000_000, 10);
  const dir = path.join(tuneflowHome(), 'bench-campaign');
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const stamp = Date.now();
  const spec: SessionSpec = {
    ...loadSessionSpec(CONFIG, { sessionId: `bench-campaign-${stamp}`, trials, outputDir: path.join(dir, 'outputs') }),
    taskQueue: `bench-campaign-${stamp}`,
  };

  const space = new Space(spec.search.space);
  const rawParams = Array.from({ length: Math.min(trials, RAW_CAP) }, (_, i) => space.at(i));
  const raw1 = await rawRate(spec, rawParams, 1);
  const raw2 = await rawRate(spec, rawParams, THREADS);
  console.error(`engine alone on ${rawParams.length} trials: ${fmt(raw1)} trials/s on 1 thread, ${fmt(raw2)} on ${THREADS}`);

  const cli = await ensureTemporalCli();
  const redisService = await startRedisServer({ binary: findRedisServer(console.error), port: await freePort(), dir: path.join(dir, 'redis') });
  const server = await startTemporalServer({ cliPath: cli.path, name: 'bench-campaign', persist: true, headless: true, dbFile: path.join(dir, 'temporal.db') });
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection });
  const redis = connectRedis(redisService.url, { role: 'bench:campaign', maxRetriesPerRequest: 3 });
  const worker = startWorkerProcess({ id: `${spec.taskQueue}-w`, taskQueue: spec.taskQueue, address: server.address, redisUrl: redisService.url, threads: THREADS, concurrency: THREADS });
  try {
    await worker.ready;
    const workerPid = worker.child.pid!;
    const redisBefore = await usedMemory(redis);

    const samples: Sample[] = [];
    let phase: SessionProgress['phase'] = 'running';
    const peak = { trials: 0, aggregation: 0 };
    const rssTimer = setInterval(() => {
      const mem = memoryMb(workerPid);
      if (!mem) return;
      if (phase === 'aggregating') peak.aggregation = Math.max(peak.aggregation, mem.rss);
      else if (phase !== 'done') peak.trials = Math.max(peak.trials, mem.rss);
    }, 100);

    const started = performance.now();
    const outcome = await startOrAttach(client, spec);
    if (outcome.kind !== 'started') throw new Error(`session ${spec.sessionId} already existed`);
    // Read at once, before the first run could have continued as new.
    const firstRunId = (await outcome.handle.describe()).runId;
    const latest = client.workflow.getHandle(spec.sessionId);
    let finished = false;
    const sampling = (async () => {
      while (!finished) {
        try {
          const progress = await latest.query<SessionProgress>('progress');
          phase = progress.phase;
          samples.push({ seconds: (performance.now() - started) / 1000, done: progress.counts.succeeded + progress.counts.failed });
        } catch {
          // Between two runs of a continue-as-new chain the query has no run to answer it: the next sample will.
        }
        await new Promise((r) => setTimeout(r, SAMPLE_EVERY_MS));
      }
    })();
    let summary;
    try {
      summary = await latest.result();
    } finally {
      finished = true;
      await sampling;
      clearInterval(rssTimer);
    }
    const wall = (performance.now() - started) / 1000;
    const done = summary.counts.succeeded + summary.counts.failed;
    if (done !== trials) throw new Error(`session ended with ${JSON.stringify(summary.counts)}`);
    const redisAfter = await usedMemory(redis);
    const workerHwm = memoryMb(workerPid)?.hwm ?? NaN;
    const history = await historyOfChain(client, spec.sessionId, firstRunId);

    const trialsDoneAt = reachedAt(samples, trials);
    const durable = trials / trialsDoneAt;
    const tenths = Array.from({ length: 10 }, (_, k) => {
      const from = k === 0 ? 0 : reachedAt(samples, (k * trials) / 10);
      const to = reachedAt(samples, ((k + 1) * trials) / 10);
      return trials / 10 / (to - from);
    });
    const bytesPerTrial = (redisAfter - redisBefore) / trials;
    const eventsPerTrial = history.events / trials;
    const figures = {
      trials, wall, trialsDoneAt, durable, raw1, raw2, tenths, peak, workerHwm, bytesPerTrial, history, eventsPerTrial,
      failed: summary.counts.failed,
    };
    console.error(JSON.stringify(figures));

    const goals = [
      `- Durable rate ≥ 50 % of the engine alone on ${THREADS} threads: ${fmt((100 * durable) / raw2, 1)} % (${verdict(durable >= 0.5 * raw2)}).`,
      `- Last tenth ≥ 80 % of the first: ${fmt((100 * tenths[9]!) / tenths[0]!, 1)} % (${verdict(tenths[9]! >= 0.8 * tenths[0]!)}).`,
      `- Worker RSS < 500 MB while trials run: ${fmt(peak.trials, 1)} MB (${verdict(peak.trials < 500)}).`,
      `- Aggregation RSS < 300 MB: the worker with its aggregation thread peaked at ${fmt(peak.aggregation, 1)} MB (${verdict(peak.aggregation < 300)}); the aggregation alone: see "Trial store".`,
      `- Redis ≤ 300 B per trial: ${fmt(bytesPerTrial, 1)} B (${verdict(bytesPerTrial <= 300)}).`,
    ];
    const command = trials === 1_000_000 ? 'npm run bench:campaign' : `npm run bench:campaign -- --trials ${trials}`;
    writeBenchmarkSection(
      'Million-trial campaign',
      `Command: \`${command}\` · machine: ${machineDescription()} · date: ${new Date().toISOString().slice(0, 10)}

\`configs/million.yaml\` (MACD on data/sample_daily.csv, grid over fast 2..51 × slow 52..251 × signal 2..101,
1,000,000 points, parallelism ${spec.search.parallelism}, \`trial.batch: auto\`), ${fmt(trials)} trials, on a private stack: the Temporal
dev server persisting to a SQLite file, Redis with AOF (fsync every second), and one \`tuneflow worker\` process with
\`--threads ${THREADS} --concurrency ${THREADS}\`, all on this machine. The stored trial count comes from the session's \`progress\` query
every ${SAMPLE_EVERY_MS} ms; tenths are interpolated between samples. "Engine alone" is the project's thread pool running
\`runManySettled\` in calls of ${RAW_CHUNK} over the session's first ${fmt(rawParams.length)} parameter sets, in the same run, before the stack starts.
Worker RSS is sampled from \`/proc/<pid>/status\` every 100 ms; the aggregation figure is the worker's peak while the session
is in its aggregating phase: aggregation runs in a bounded-heap thread of the worker (256 MB, \`TUNEFLOW_AGGREGATION_HEAP_MB\`), so
this includes the worker's own footprint; the aggregation alone, in a process of its own, is the "Trial store" section's figure.

| figure | value |
|---|---|
| trials (failed) | ${fmt(trials)} (${fmt(summary.counts.failed)}) |
| wall time, start to result (outputs written) | ${fmt(wall, 1)} s |
| all trials stored after | ${fmt(trialsDoneAt, 1)} s |
| durable trials/s | ${fmt(durable)} |
| engine alone, 1 thread (trials/s) | ${fmt(raw1)} |
| engine alone, ${THREADS} threads (trials/s) | ${fmt(raw2)} |
| durable ÷ engine alone on ${THREADS} threads | ${fmt((100 * durable) / raw2, 1)} % |
| trials/s per tenth of the run | ${tenths.map((t) => fmt(t)).join(' · ')} |
| worker peak RSS while trials run | ${fmt(peak.trials, 1)} MB (VmHWM at the end: ${fmt(workerHwm, 1)} MB) |
| worker peak RSS during aggregation | ${fmt(peak.aggregation, 1)} MB |
| Redis used_memory growth per trial | ${fmt(bytesPerTrial, 1)} B |
| history events (all runs) per trial | ${fmt(history.events)} events, ${fmt(eventsPerTrial, 4)} per trial |
| runs (continue-as-new chain) | ${history.runs} |

Goals:

${goals.join('\n')}`,
    );
  } finally {
    await stopProcess(worker.child, 35_000);
    redis.disconnect();
    await connection.close();
    await stopProcess(server.child, 10_000);
    await stopProcess(redisService.child);
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(2);
  },
);
