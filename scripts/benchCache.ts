/**
 * `npm run bench:cache`: runs one campaign twice on a private stack (the Temporal dev server in memory, a fresh
 * Redis, one `tuneflow worker` process with two backtest threads), the second time as a new session, both with
 * `cache:`. Reports each run's wall time, the trials it took from the result cache, and the cache's size in
 * Redis. Writes the "Result cache" section of BENCHMARKS.md.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { connectRedis } from '../store/redis/client';
import { cacheKeys, ResultCache } from '../store/redis/resultCache';
import { RedisTrialStore } from '../store/redis/trialStore';
import { startOrAttach } from '../cli/sessionClient';
import { DEFAULT_CACHE_ENTRIES } from '../config/schema';
import { loadSessionSpec } from '../config/load';
import type { SessionSpec } from '../types/session';
import { machineDescription, writeBenchmarkSection } from '../harness/benchReport';
import { startTemporalServer } from '../services/devStack';
import { PROJECT_ROOT } from '../services/paths';
import { freePort, stopProcess } from '../services/processes';
import { findRedisServer, startRedisServer } from '../services/redis';
import { ensureTemporalCli } from '../services/temporalCli';
import { startWorkerProcess } from '../harness/workerProcess';

const CONFIG = path.join(PROJECT_ROOT, 'configs', 'quickstart.yaml');
const THREADS = 2;

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

function campaignSpec(run: number, dir: string, stamp: number): SessionSpec {
  const sessionId = `bench-cache-${stamp}-${run}`;
  const base = loadSessionSpec(CONFIG, { sessionId, outputDir: path.join(dir, 'outputs') });
  if (base.evaluator.kind !== 'backtest') throw new Error('the campaign must run a built-in backtest');
  return {
    ...base,
    evaluator: { ...base.evaluator, cache: { maxEntries: DEFAULT_CACHE_ENTRIES } },
    taskQueue: `bench-cache-${stamp}`,
  };
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tuneflow-bench-cache-'));
  const stamp = Date.now();
  const cli = await ensureTemporalCli();
  const redisService = await startRedisServer({ binary: findRedisServer(console.error), port: await freePort(), dir: path.join(dir, 'redis') });
  const server = await startTemporalServer({ cliPath: cli.path, name: 'bench-cache', persist: false, headless: true });
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection });
  const redis = connectRedis(redisService.url, { role: 'bench:cache', maxRetriesPerRequest: 3 });
  const store = new RedisTrialStore(redis);
  const worker = startWorkerProcess({ id: `bench-cache-${stamp}-w`, taskQueue: `bench-cache-${stamp}`, address: server.address, redisUrl: redisService.url, threads: THREADS, concurrency: THREADS });
  try {
    await worker.ready;
    const runs: Array<{ trials: number; hits: number; seconds: number; evaluatedMs: number }> = [];
    for (const run of [1, 2]) {
      const spec = campaignSpec(run, dir, stamp);
      const started = performance.now();
      const { handle } = await startOrAttach(client, spec);
      const summary = await handle.result();
      const seconds = (performance.now() - started) / 1000;
      const records = await store.allTrials(spec.sessionId);
      if (summary.counts.failed > 0) throw new Error(`run ${run}: ${summary.counts.failed} trials failed`);
      const hits = records.filter((r) => r.cached).length;
      const evaluatedMs = records.reduce((sum, r) => sum + r.durationMs, 0);
      runs.push({ trials: records.length, hits, seconds, evaluatedMs });
      console.error(`run ${run}: ${records.length} trials, ${hits} from the cache, ${fmt(seconds, 2)} s`);
    }
    const entries = await new ResultCache(redis).size();
    const bytes = ((await redis.memory('USAGE', cacheKeys.metrics)) ?? 0) + ((await redis.memory('USAGE', cacheKeys.used)) ?? 0);
    const [first, second] = runs as [(typeof runs)[0], (typeof runs)[0]];
    writeBenchmarkSection(
      'Result cache',
      `Command: \`npm run bench:cache\` · machine: ${machineDescription()} · date: ${new Date().toISOString().slice(0, 10)}

\`configs/quickstart.yaml\` (SMA crossover on data/sample_daily.csv, grid fast 5..50 step 5 × slow 10..200 step 10 with
fast < slow: ${fmt(first.trials)} trials, parallelism ${campaignSpec(1, dir, stamp).search.parallelism}, \`trial.batch: auto\`) with \`cache: {}\`, run twice as two
sessions on a private stack: the Temporal dev server in memory, a fresh Redis, one \`tuneflow worker\` with \`--threads ${THREADS}\`.
Wall time is from start to result (outputs written). Trial time is the sum of the trials' recorded durations: a cached
trial's is its share of the batch's cache look-up.

| run | trials | from the cache | hit rate | wall time | trial time |
|---|---|---|---|---|---|
| 1 (empty cache) | ${fmt(first.trials)} | ${fmt(first.hits)} | ${fmt((100 * first.hits) / first.trials, 1)} % | ${fmt(first.seconds, 2)} s | ${fmt(first.evaluatedMs / 1000, 2)} s |
| 2 (the same campaign, a new session) | ${fmt(second.trials)} | ${fmt(second.hits)} | **${fmt((100 * second.hits) / second.trials, 1)} %** | ${fmt(second.seconds, 2)} s | ${fmt(second.evaluatedMs / 1000, 3)} s |

The cache then held ${fmt(entries)} entries in ${fmt(bytes / 1024, 1)} KiB of Redis (\`MEMORY USAGE\` of its hash and its zset): ${fmt(bytes / Math.max(1, entries))} B an entry,
so the default bound of ${fmt(DEFAULT_CACHE_ENTRIES)} entries is about ${fmt((bytes / Math.max(1, entries)) * DEFAULT_CACHE_ENTRIES / 2 ** 20)} MiB. A run's wall time
beyond its trials is the session's own (workflow turns, batches, writing its outputs), the same with or without hits:
the cache saves the backtests' time, which for these quick daily backtests is a small part of a run.`,
    );
  } finally {
    await stopProcess(worker.child, 35_000);
    redis.disconnect();
    await connection.close();
    await stopProcess(server.child, 10_000);
    await stopProcess(redisService.child);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(2);
  },
);
