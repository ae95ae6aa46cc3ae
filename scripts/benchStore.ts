import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Redis from 'ioredis';
import { RedisTrialStore } from '../store/redis/trialStore';
import { loadSessionSpec } from '../config/load';
import type { SessionSpec } from '../types/session';
import type { TrialRecord } from '../types/trial';
import { syntheticTrials } from '../harness/bench/store/syntheticTrials';
import { machineDescription, writeBenchmarkSection } from '../harness/benchReport';
import { PROJECT_ROOT } from '../services/paths';
import { freePort, stopProcess } from '../services/processes';
import { findRedisServer, startRedisServer } from '../services/redis';

/**
 * Writes the "Trial store" section of BENCHMARKS.md: Redis memory per trial at a million trials (`INFO memory`
 * used_memory before and after writing them to a fresh, throw-away redis-server), the same for the previous
 * release's layout on a tenth as many, and the peak RSS of aggregating the million in a process of its own.
 * BENCH_TRIALS overrides the million.
 */
const TRIALS = Number(process.env.BENCH_TRIALS ?? 1_000_000);
const BATCH = 1000;

const usedMemory = async (redis: Redis) => Number(/used_memory:(\d+)/.exec(await redis.info('memory'))![1]);

/** The previous release's layout: a JSON string per trial plus the id index and the leaderboard zsets. */
async function writeLegacy(redis: Redis, records: Iterable<TrialRecord>): Promise<void> {
  let pipeline = redis.pipeline();
  let n = 0;
  for (const r of records) {
    const s = r.sessionId;
    pipeline.set(`tf:{${s}}:trial:${r.trialId}`, JSON.stringify(r)).zadd(`tf:{${s}}:trials`, r.trialId, String(r.trialId));
    if (r.objective !== null) pipeline.zadd(`tf:{${s}}:board`, r.objective, String(r.trialId));
    if (++n % BATCH === 0) {
      await pipeline.exec();
      pipeline = redis.pipeline();
    }
  }
  await pipeline.exec();
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tuneflow-bench-store-'));
  const server = await startRedisServer({ binary: findRedisServer(console.log), port: await freePort(), dir });
  const redis = new Redis(server.url);
  try {
    const sessionId = 'bench-store';
    const before = await usedMemory(redis);
    const store = new RedisTrialStore(redis);
    const started = performance.now();
    let batch: TrialRecord[] = [];
    for (const record of syntheticTrials(sessionId, TRIALS)) {
      batch.push(record);
      if (batch.length === BATCH) {
        await store.putTrials(batch);
        batch = [];
      }
    }
    if (batch.length) await store.putTrials(batch);
    const writeSeconds = (performance.now() - started) / 1000;
    const perTrial = ((await usedMemory(redis)) - before) / TRIALS;
    console.log(`${TRIALS} trials: ${perTrial.toFixed(1)} B/trial, written in ${writeSeconds.toFixed(1)} s`);

    const legacyTrials = Math.max(1, Math.round(TRIALS / 10));
    const beforeLegacy = await usedMemory(redis);
    await writeLegacy(redis, syntheticTrials('bench-legacy', legacyTrials));
    const legacyPerTrial = ((await usedMemory(redis)) - beforeLegacy) / legacyTrials;
    console.log(`previous layout: ${legacyPerTrial.toFixed(1)} B/trial`);

    const spec = benchSpec(sessionId, dir);
    const specFile = path.join(dir, 'spec.json');
    fs.writeFileSync(specFile, JSON.stringify(spec));
    const child = path.join(PROJECT_ROOT, 'dist', 'scripts', 'bench', 'store', 'aggregateChild.js');
    const agg = JSON.parse(execFileSync(process.execPath, [child, server.url, specFile], { encoding: 'utf8', maxBuffer: 1 << 20 })) as { seconds: number; maxRssMb: number };
    const rankingsRows = fs.readFileSync(path.join(dir, 'outputs', sessionId, 'rankings.csv'), 'utf8').split('\n').length - 2;
    console.log(`aggregation: ${agg.seconds.toFixed(1)} s, peak RSS ${agg.maxRssMb.toFixed(0)} MB`);

    writeBenchmarkSection('Trial store', [
      `Command: \`npm run bench:store\`${process.env.BENCH_TRIALS ? ` (BENCH_TRIALS=${TRIALS})` : ''}; ${new Date().toISOString().slice(0, 10)}; ${machineDescription()}; ` +
        `redis-server ${/redis_version:(\S+)/.exec(await redis.info('server'))?.[1] ?? '?'} started by the script on an empty data folder.`,
      '',
      `Records are shaped like a built-in backtest's: all ${Object.keys([...syntheticTrials('x', 2)][1].metrics).length} metrics of the engine, 4 parameters, ` +
        '8 workers, 2 % failures with an error text (scripts/bench/store/syntheticTrials.ts). Memory is `INFO memory` used_memory after the writes minus before.',
      '',
      '| what | figure |',
      '|---|---|',
      `| Redis memory per trial, ${TRIALS.toLocaleString('en-US')} trials, this layout | **${perTrial.toFixed(0)} B** |`,
      `| Redis memory per trial, previous layout (JSON key + 2 zsets), ${legacyTrials.toLocaleString('en-US')} trials | ${legacyPerTrial.toFixed(0)} B |`,
      `| writing them with \`putTrials\`, batches of ${BATCH} | ${writeSeconds.toFixed(1)} s (${Math.round(TRIALS / writeSeconds).toLocaleString('en-US')} trials/s) |`,
      `| aggregating them (all outputs; rankings.csv has ${rankingsRows.toLocaleString('en-US')} rows), in a process of its own (in the 256 MB-heap thread a worker uses) | ${agg.seconds.toFixed(1)} s, **peak RSS ${agg.maxRssMb.toFixed(0)} MB** |`,
    ].join('\n'));
  } finally {
    redis.disconnect();
    await stopProcess(server.child);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}


/** The quickstart's spec with the synthetic trials' space, writing into the throw-away folder. */
function benchSpec(sessionId: string, dir: string): SessionSpec {
  const base = loadSessionSpec(path.join(PROJECT_ROOT, 'configs', 'quickstart.yaml'), { sessionId });
  const int = (low: number, high: number) => ({ type: 'int' as const, low, high });
  return {
    ...base,
    search: { ...base.search, space: { fast: int(2, 60), slow: int(3, 260), lookback: int(5, 65), stop: { type: 'float', low: 0, high: 1 } }, constraints: [] },
    output: { dir: path.join(dir, 'outputs'), topN: 10 },
    rankWeights: { sharpe: 0.5, calmar: 0.3, max_drawdown_pct: 0.2 },
  };
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
