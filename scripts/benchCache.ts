/**
 * `npm run bench:cache`: runs one campaign twice on a private stack (the Temporal dev server in memory, a fresh
 * Redis, one `tuneflow worker` process with two backtest threads), the second time as a new session, both with
 * `cache:`. Reports each run's wall time, the trials it took from the result cache, and the cache's size in
 * Redis. Then, for a TPE campaign and several seeds: a cold run, its re-run, a run warm-started from it and a
 * cold run of twice the budget, with their cache hits and the best each found. Writes the "Result cache"
 * section of BENCHMARKS.md.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { connectRedis } from '../store/redis/client';
import { cacheKeys, ResultCache } from '../store/redis/resultCache';
import { RedisTrialStore } from '../store/redis/trialStore';
import type { TrialStore } from '../store/trialStore';
import { startOrAttach } from '../cli/sessionClient';
import { DEFAULT_CACHE_ENTRIES, MAX_WARM_START_TRIALS } from '../config/schema';
import { loadSessionSpec } from '../config/load';
import { gridSize } from '../search';
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
/** The warm-start campaign: the quickstart's data and strategy over every integer pair, searched by TPE. */
const TPE_CAMPAIGN = `name: bench-warm
data: ${path.join(PROJECT_ROOT, 'data', 'sample_daily.csv')}
strategy: sma_crossover
backtest: { cash: 10000, commission: 0.002 }
params:
  fast: { type: int, low: 2, high: 100 }
  slow: { type: int, low: 10, high: 400 }
constraints: ["fast < slow"]
objective: sharpe
search: { algorithm: tpe, trials: 100, parallelism: 8 }
cache: {}
`;
const TPE_TRIALS = 100;
const SEEDS = [1, 2, 3, 4, 5];

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

/** One session of the warm-start comparison: its trials, cache hits and best Sharpe ratio, and when it first reached `target`. */
interface TpeRun {
  trials: number;
  hits: number;
  best: number;
  /** The first trial whose Sharpe ratio reached `target`, or null. */
  reached: number | null;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

/**
 * For each seed, with the cache emptied first: a cold TPE run of TPE_TRIALS trials, the same campaign again as a
 * new session, a run warm-started from the cold one (same seed and budget), and a cold run of twice the budget
 * (as many backtests as the cold and warm runs together).
 */
async function warmStartRuns(client: Client, store: TrialStore, cache: ResultCache, dir: string, stamp: number) {
  const config = path.join(dir, 'bench-warm.yaml');
  fs.writeFileSync(config, TPE_CAMPAIGN);
  const { space, constraints } = loadSessionSpec(config).search;
  const points = gridSize(space, constraints);
  if (points === null) throw new Error('the warm-start campaign must have a finite space');
  const rows = { cold: [] as TpeRun[], again: [] as TpeRun[], warm: [] as TpeRun[], double: [] as TpeRun[] };
  for (const seed of SEEDS) {
    await cache.clear();
    const session = async (kind: keyof typeof rows, target: number, trials = TPE_TRIALS, warmStart?: SessionSpec['warmStart']): Promise<TpeRun> => {
      const sessionId = `bench-warm-${stamp}-${seed}-${kind}`;
      const spec = { ...loadSessionSpec(config, { sessionId, seed, trials, outputDir: path.join(dir, 'outputs') }), taskQueue: `bench-cache-${stamp}`, ...(warmStart ? { warmStart } : {}) };
      const { handle } = await startOrAttach(client, spec);
      await handle.result();
      const records = await store.allTrials(spec.sessionId);
      const ranked = records.filter((r) => r.objective !== null);
      const run = {
        trials: records.length,
        hits: records.filter((r) => r.cached).length,
        best: Math.max(...ranked.map((r) => r.objective as number)),
        reached: ranked.find((r) => (r.objective as number) >= target)?.trialId ?? null,
      };
      rows[kind].push(run);
      console.error(`seed ${seed}, ${kind}: ${run.trials} trials, ${run.hits} from the cache, best ${fmt(run.best, 4)}`);
      return run;
    };
    const cold = await session('cold', Infinity);
    await session('again', cold.best);
    await session('warm', cold.best, TPE_TRIALS, { sessionId: `bench-warm-${stamp}-${seed}-cold`, trials: MAX_WARM_START_TRIALS });
    await session('double', cold.best, 2 * TPE_TRIALS);
  }
  return { rows, points };
}

/** The rows of the warm-start table, one per kind of run, over every seed. */
function warmStartTable(rows: Awaited<ReturnType<typeof warmStartRuns>>['rows']): string {
  const line = (label: string, runs: TpeRun[], compared: boolean) => {
    const trials = runs.reduce((s, r) => s + r.trials, 0);
    const hits = runs.reduce((s, r) => s + r.hits, 0);
    const bests = runs.map((r) => r.best);
    const better = compared ? `${runs.filter((r, i) => r.best > (rows.cold[i] as TpeRun).best).length} of ${runs.length}` : '-';
    return `| ${label} | ${fmt(trials)} | ${fmt(hits)} | ${fmt((100 * hits) / trials, 1)} % | ${fmt(median(bests), 4)} (${fmt(Math.min(...bests), 4)} to ${fmt(Math.max(...bests), 4)}) | ${better} |`;
  };
  return [
    '| run (each seed) | trials | from the cache | hit rate | best Sharpe: median (range) | better than cold |',
    '|---|---|---|---|---|---|',
    line(`cold, ${TPE_TRIALS} trials (cache emptied first)`, rows.cold, false),
    line('the same campaign again, a new session', rows.again, true),
    line(`warm-started from the cold run, ${TPE_TRIALS} trials`, rows.warm, true),
    line(`cold, ${2 * TPE_TRIALS} trials (as many backtests as cold + warm)`, rows.double, true),
  ].join('\n');
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
    const cache = new ResultCache(redis);
    const entries = await cache.size();
    const bytes = ((await redis.memory('USAGE', cacheKeys.metrics)) ?? 0) + ((await redis.memory('USAGE', cacheKeys.used)) ?? 0);
    const [first, second] = runs as [(typeof runs)[0], (typeof runs)[0]];
    const warm = await warmStartRuns(client, store, cache, dir, stamp);
    const reached = warm.rows.warm.map((r) => r.reached).filter((t): t is number => t !== null);
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
the cache saves the backtests' time, which for these quick daily backtests is a small part of a run.

**Re-running an adaptive search, with and without \`search.warm_start\`.** The same data and strategy over every
integer pair (\`fast\` 2..100 × \`slow\` 10..400 with fast < slow, ${fmt(warm.points)} points), \`tpe\` with ${TPE_TRIALS} trials and
parallelism 8, \`cache: {}\`, for seeds ${SEEDS.join(', ')}; the cache is emptied before each seed's cold run. The
re-run proposes exactly the cold run's trials (ordered mode), so the cache answers every one. The warm-started run
(same seed and budget, \`warm_start\` naming the cold run) never proposes a point the cold run evaluated, so the cache
answers none of its trials: it gains in the search instead. "Better than cold" counts the seeds where a run's best
beats the cold run's.

${warmStartTable(warm.rows)}

The warm-started runs reached their cold run's best in ${reached.length} of ${SEEDS.length} seeds${reached.length ? `, after a median of ${fmt(median(reached))} trials` : ''}. A sample
of ${SEEDS.length} seeds is small: these numbers show what a warm start does to a re-run, not a ranking of samplers.`,
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
