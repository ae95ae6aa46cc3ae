/**
 * `npm run bench:overhead [-- --trials N]`: trials per second of the durable stack on a trivial objective, so the
 * figures measure Temporal, Redis and the session loop and nothing else. The headline runs the Temporal dev server
 * persisting to a SQLite file (as the embedded stack does), with batches (`trial.batch: auto`) and with one activity
 * per trial (`batch: 1`); beside it, Optuna's durable storages (JournalStorage on a file, RDBStorage on SQLite)
 * run the same objective for the same number of trials from a throw-away virtualenv. N (default 10,000; also
 * TUNEFLOW_BENCH_TRIALS) sets the batched and Optuna runs; `batch: 1` runs a fifth of it. Writes the "Durable
 * stack overhead" section of BENCHMARKS.md.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import path from 'node:path';
import type { TrialEvaluator } from '../evaluators/index';
import { connectRedis } from '../store/redis/client';
import { RedisTrialStore } from '../store/redis/trialStore';
import { startOrAttach } from '../cli/sessionClient';
import { loadSessionSpec } from '../config/load';
import type { SessionSpec } from '../types/session';
import { createTuneflowWorker, installRuntime } from '../workers/worker';
import { machineDescription, trialsWanted, writeBenchmarkSection } from '../harness/benchReport';
import { startTemporalServer } from '../services/devStack';
import { stopProcess } from '../services/processes';
import { ensureRedis } from '../services/redis';
import { ensureTemporalCli } from '../services/temporalCli';
import { ensureVenv } from '../harness/python';
import { PROJECT_ROOT, tuneflowHome } from '../services/paths';

const OPTUNA = ['optuna==5.0.0'];

/** A trivial built-in objective, so the numbers measure the durable stack and nothing else. */
const trivial: TrialEvaluator = async (input) => {
  const x = Number(input.params.x);
  const y = Number(input.params.y);
  return { sharpe: -((x - 0.3) ** 2) - (y - 0.7) ** 2 };
};

function trivialSpec(base: SessionSpec, parallelism: number, trials: number, batch: SessionSpec['trial']['batch']): SessionSpec {
  const stamp = `${parallelism}-${batch}-${Date.now()}`;
  return {
    ...base,
    sessionId: `bench-overhead-p${stamp}`,
    taskQueue: `bench-${stamp}`,
    trial: { ...base.trial, batch },
    search: {
      ...base.search,
      algorithm: 'random',
      space: { x: { type: 'float', low: 0, high: 1 }, y: { type: 'float', low: 0, high: 1 } },
      constraints: [],
      trials,
      parallelism,
    },
  };
}

interface Timing {
  /** From starting the session to the last trial record written to Redis. */
  storedSeconds: number;
  /** From starting the session to its result (outputs written). */
  resultSeconds: number;
}

async function timeSession(address: string, redisUrl: string, spec: SessionSpec, evaluate?: TrialEvaluator): Promise<Timing> {
  installRuntime();
  const connection = await NativeConnection.connect({ address });
  const clientConnection = await Connection.connect({ address });
  const client = new Client({ connection: clientConnection });
  const redis = connectRedis(redisUrl, { role: 'bench:overhead', maxRetriesPerRequest: 3 });
  const { worker, close } = await createTuneflowWorker({
    connection,
    namespace: 'default',
    taskQueue: spec.taskQueue,
    redisUrl,
    workerId: 'bench',
    concurrency: Math.max(8, spec.search.parallelism ?? 1),
    evaluate,
  });
  const startedAt = Date.now();
  const started = performance.now();
  try {
    await worker.runUntil(async () => {
      const { handle } = await startOrAttach(client, spec);
      return handle.result();
    });
    const resultSeconds = (performance.now() - started) / 1000;
    // Every record carries the time it was written, so the last of them ends the durable part without polling.
    const records = await new RedisTrialStore(redis).allTrials(spec.sessionId);
    if (records.length !== spec.search.trials) throw new Error(`${spec.sessionId}: ${records.length} of ${spec.search.trials} trials stored`);
    const lastStored = Math.max(...records.map((r) => Date.parse(r.finishedAt)));
    return { storedSeconds: (lastStored - startedAt) / 1000, resultSeconds };
  } finally {
    redis.disconnect();
    await close();
    await connection.close();
    await clientConnection.close();
  }
}

interface OptunaRun {
  storage: string;
  trials: number;
  seconds: number;
  optuna: string;
}

function runOptuna(python: string, storage: 'journal' | 'sqlite', trials: number): OptunaRun {
  const dir = path.join(tuneflowHome(), 'bench-overhead');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, storage === 'journal' ? 'optuna-journal.log' : 'optuna.db');
  fs.rmSync(file, { force: true });
  const script = path.join(PROJECT_ROOT, 'scripts', 'bench', 'overhead', 'optuna_overhead.py');
  const out = execFileSync(python, [script, storage, file, String(trials)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  fs.rmSync(file, { force: true });
  return JSON.parse(out) as OptunaRun;
}

const rate = (trials: number, seconds: number) => Math.round(trials / seconds).toLocaleString('en-US');

async function main(): Promise<void> {
  const trials = trialsWanted(10_000, 50);
  const cli = await ensureTemporalCli();
  const python = ensureVenv('venv-overhead', OPTUNA);
  const redis = await ensureRedis({ name: 'bench' });
  const quickstart = path.join(PROJECT_ROOT, 'configs', 'quickstart.yaml');
  const base = loadSessionSpec(quickstart, { outputDir: path.join(PROJECT_ROOT, '.tuneflow', 'bench-outputs') });
  const dbFile = path.join(tuneflowHome(), 'bench-overhead', 'temporal.db');
  fs.mkdirSync(path.dirname(dbFile), { recursive: true });
  const cases: Array<{ parallelism: number; batch: SessionSpec['trial']['batch']; trials: number }> = [
    { parallelism: 8, batch: 'auto', trials },
    { parallelism: 64, batch: 'auto', trials },
    { parallelism: 256, batch: 'auto', trials },
    { parallelism: 8, batch: 1, trials: Math.ceil(trials / 5) },
    { parallelism: 64, batch: 1, trials: Math.ceil(trials / 5) },
  ];
  const row = (store: string, c: (typeof cases)[number], t: Timing) =>
    `| ${store} | ${c.batch === 'auto' ? 'auto' : '1'} | ${c.parallelism} | ${c.trials.toLocaleString('en-US')} | ${t.storedSeconds.toFixed(1)} | **${rate(c.trials, t.storedSeconds)}** | ${rate(c.trials, t.resultSeconds)} |`;
  const rows: string[] = [];
  const memoryRows: string[] = [];
  let best = 0;
  try {
    fs.rmSync(dbFile, { force: true });
    const disk = await startTemporalServer({ cliPath: cli.path, name: 'bench-overhead', persist: true, headless: true, dbFile });
    try {
      for (const c of cases) {
        const t = await timeSession(disk.address, redis.url, trivialSpec(base, c.parallelism, c.trials, c.batch), trivial);
        if (c.batch === 'auto') best = Math.max(best, c.trials / t.storedSeconds);
        rows.push(row('dev server, SQLite file', c, t));
        console.error(rows[rows.length - 1]);
      }
      const qs = { ...base, sessionId: `bench-quickstart-${Date.now()}`, taskQueue: `bench-qs-${Date.now()}` };
      const t = await timeSession(disk.address, redis.url, qs);
      rows.push(
        `| quickstart grid (SMA crossover, real backtests), SQLite file | auto | ${qs.search.parallelism} | ${qs.search.trials} | ${t.storedSeconds.toFixed(1)} | ${rate(qs.search.trials, t.storedSeconds)} | ${rate(qs.search.trials, t.resultSeconds)} |`,
      );
      console.error(rows[rows.length - 1]);
    } finally {
      await stopProcess(disk.child, 10_000);
    }
    const memory = await startTemporalServer({ cliPath: cli.path, name: 'bench-overhead-memory', persist: false, headless: true });
    try {
      for (const c of [cases[2]!, cases[4]!]) {
        const t = await timeSession(memory.address, redis.url, trivialSpec(base, c.parallelism, c.trials, c.batch), trivial);
        memoryRows.push(row('dev server, in memory', c, t));
        console.error(memoryRows[memoryRows.length - 1]);
      }
    } finally {
      await stopProcess(memory.child, 10_000);
    }
    const optuna = (['journal', 'sqlite'] as const).map((storage) => runOptuna(python, storage, trials));
    for (const o of optuna) console.error(JSON.stringify(o));
    const optunaRows = optuna.map(
      (o) =>
        `| Optuna ${o.optuna} ${o.storage === 'journal' ? '`JournalStorage(JournalFileBackend)`' : '`RDBStorage` (SQLite file)'} | – | 1 | ${o.trials.toLocaleString('en-US')} | ${o.seconds.toFixed(1)} | **${rate(o.trials, o.seconds)}** | – |`,
    );
    const journal = optuna[0]!;
    writeBenchmarkSection(
      'Durable stack overhead',
      `Command: \`npm run bench:overhead${trials === 10_000 ? '' : ` -- --trials ${trials}`}\` · machine: ${machineDescription()} · date: ${new Date().toISOString().slice(0, 10)}

A trivial objective (two floats, random search), so the figures measure the durable stack: one in-process worker, the
Temporal CLI dev server and Redis (AOF, fsync every second) on the same machine; every result written to Redis and
applied to the sampler in the workflow. *Stored* is the time from starting the session to the last trial record
written to Redis (each record carries its write time); *with outputs* runs to the session's result, after the
aggregation has written every output file. Batch \`auto\` is the default (\`trial.batch\`); \`1\` is one activity per trial.
Optuna runs the same objective sequentially (seeded \`RandomSampler\`, \`n_jobs=1\`) from a throw-away virtualenv;
its time runs from creating the study to the last trial told. Its journal file backend fsyncs every record; the
dev server writes SQLite with its own settings and Redis fsyncs once a second, so tuneflow's trials are durable to
within a second of a power loss, and to the instant of a process crash.

| store | batch | parallelism | trials | stored (s) | trials/s stored | trials/s with outputs |
|---|---|---|---|---|---|---|
${rows.join('\n')}
${optunaRows.join('\n')}

For comparison, the dev server in memory (no file):

| store | batch | parallelism | trials | stored (s) | trials/s stored | trials/s with outputs |
|---|---|---|---|---|---|---|
${memoryRows.join('\n')}

Goal: ≥ 2,000 durable trials/s on disk: best ${Math.round(best).toLocaleString('en-US')} trials/s (${best >= 2000 ? 'met' : '**missed**'}); ${(best / (journal.trials / journal.seconds)).toFixed(1)}× Optuna's journal file.`,
    );
  } finally {
    await redis.release();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(2);
  },
);
