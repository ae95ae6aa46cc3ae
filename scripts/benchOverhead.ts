import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import path from 'node:path';
import type { TrialEvaluator } from '../activities/evaluators';
import { startOrAttach } from '../cli/sessionClient';
import { loadSessionSpec } from '../config/load';
import type { SessionSpec } from '../types/session';
import { createTuneflowWorker, installRuntime } from '../workers/worker';
import { machineDescription, writeBenchmarkSection } from './benchReport';
import { startTemporalServer } from './devStack';
import { PROJECT_ROOT } from './paths';
import { stopProcess } from './processes';
import { ensureRedis } from './redis';
import { ensureTemporalCli } from './temporalCli';

/** A trivial built-in objective, so the numbers measure the durable stack and nothing else. */
const trivial: TrialEvaluator = async (input) => {
  const x = Number(input.params.x);
  const y = Number(input.params.y);
  return { sharpe: -((x - 0.3) ** 2) - (y - 0.7) ** 2 };
};

function trivialSpec(base: SessionSpec, parallelism: number, trials: number): SessionSpec {
  return {
    ...base,
    sessionId: `bench-overhead-p${parallelism}-${Date.now()}`,
    taskQueue: `bench-${parallelism}-${Date.now()}`,
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

async function timeSession(address: string, redisUrl: string, spec: SessionSpec, evaluate?: TrialEvaluator): Promise<number> {
  installRuntime();
  const connection = await NativeConnection.connect({ address });
  const clientConnection = await Connection.connect({ address });
  const client = new Client({ connection: clientConnection });
  const { worker, close } = await createTuneflowWorker({
    connection,
    namespace: 'default',
    taskQueue: spec.taskQueue,
    redisUrl,
    workerId: 'bench',
    concurrency: Math.max(8, spec.search.parallelism ?? 1),
    evaluate,
  });
  const started = performance.now();
  try {
    await worker.runUntil(async () => {
      const { handle } = await startOrAttach(client, spec);
      return handle.result();
    });
    return (performance.now() - started) / 1000;
  } finally {
    await close();
    await connection.close();
    await clientConnection.close();
  }
}

async function main(): Promise<void> {
  const cli = await ensureTemporalCli();
  const redis = await ensureRedis({ name: 'bench' });
  const server = await startTemporalServer({ cliPath: cli.path, name: 'bench', persist: false, headless: true });
  const quickstart = path.join(PROJECT_ROOT, 'configs', 'quickstart.yaml');
  try {
    const base = loadSessionSpec(quickstart, { outputDir: path.join(PROJECT_ROOT, '.tuneflow', 'bench-outputs') });
    const rows: string[] = [];
    for (const [parallelism, trials] of [[1, 200], [8, 1000], [64, 2000]] as const) {
      const seconds = await timeSession(server.address, redis.url, trivialSpec(base, parallelism, trials), trivial);
      rows.push(`| trivial objective | ${parallelism} | ${trials} | ${seconds.toFixed(1)} | ${(trials / seconds).toFixed(1)} |`);
      console.error(rows[rows.length - 1]);
    }
    const qs = { ...base, sessionId: `bench-quickstart-${Date.now()}`, taskQueue: `bench-qs-${Date.now()}` };
    const seconds = await timeSession(server.address, redis.url, qs);
    rows.push(`| quickstart grid (SMA crossover, real backtests) | ${qs.search.parallelism} | ${qs.search.trials} | ${seconds.toFixed(1)} | ${(qs.search.trials / seconds).toFixed(1)} |`);
    console.error(rows[rows.length - 1]);
    writeBenchmarkSection(
      'Durable stack overhead',
      `Command: \`npm run bench:overhead\` · machine: ${machineDescription()} · date: ${new Date().toISOString().slice(0, 10)}

One worker process, the Temporal CLI dev server (in memory) and Redis on the same machine; one activity per trial,
every result written to Redis and applied to the sampler in the workflow. Wall time from starting the session to its
result (outputs written).

| session | parallelism | trials | wall time (s) | trials/s |
|---|---|---|---|---|
${rows.join('\n')}`,
    );
  } finally {
    await stopProcess(server.child);
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
