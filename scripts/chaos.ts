import path from 'node:path';
import { machineDescription, writeBenchmarkSection } from '../harness/benchReport';
import type { ChaosOptions } from '../harness/chaos/result';
import { killEverythingNow, runChaos } from '../harness/chaos/run';
import { renderReport } from '../harness/chaos/report';
import { tuneflowHome } from '../services/paths';
import { run } from '../services/processes';

/**
 * `npm run chaos`: an 80,000-trial session on a fleet of three worker processes while seeded faults hit
 * workers, the Temporal server, Redis and the network for at least ten minutes; then the checks, written
 * into BENCHMARKS.md. Exit code 1 when a check fails, 2 when the run could not start.
 *
 * Sizing: on two cores, with batches, the stack completes about 100 trials a second undisturbed at this
 * window and 75 to 100 under faults, so 50,000 trials can end before ten minutes of faults; 80,000 keep the
 * session past it (and the space holds more than that many points, see SPACE).
 *
 * Smaller runs for trying it out: CHAOS_TRIALS, CHAOS_MIN_MINUTES, CHAOS_SEED, CHAOS_FAULT_SEED (the
 * command in the report then names them).
 */
const OVERRIDES = ['CHAOS_TRIALS', 'CHAOS_MIN_MINUTES', 'CHAOS_SEED', 'CHAOS_FAULT_SEED'] as const;

function envNumber(name: (typeof OVERRIDES)[number], fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name}=${text}: expected a number >= 0`);
  return value;
}

function options(signal: AbortSignal): ChaosOptions {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return {
    campaign: { trials: envNumber('CHAOS_TRIALS', 80_000), parallelism: 16, bars: 1000, seed: envNumber('CHAOS_SEED', 20_240), heartbeatTimeout: '5s' },
    fleet: { workers: 3, threads: 1, concurrency: 6 },
    faultSeed: envNumber('CHAOS_FAULT_SEED', 7),
    timing: { redisDownMs: [10_000, 60_000], cutMs: [10_000, 60_000], temporalDownMs: [1000, 5000], refillDelayMs: [1000, 5000], recoveryCapMs: 300_000 },
    gapMs: [5000, 20_000],
    minWindowMs: envNumber('CHAOS_MIN_MINUTES', 10) * 60_000,
    // Well past the one-minute heartbeat timeout of aggregation, so that a worker lost during it shows as a
    // slow recovery in the report instead of aborting the run before its checks.
    stallMs: 720_000,
    netns: true,
    dir: path.join(tuneflowHome(), 'chaos', `${stamp}-${process.pid}`),
    log: (line) => console.error(`[chaos ${new Date().toISOString().slice(11, 19)}] ${line}`),
    signal,
  };
}

async function main(): Promise<number> {
  const controller = new AbortController();
  let signals = 0;
  const onSignal = (name: NodeJS.Signals) => {
    signals += 1;
    if (signals > 1) process.exit(130);
    console.error(`${name}: stopping the chaos run and cleaning up (again to stop at once)`);
    controller.abort(new Error(`stopped by ${name}`));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // Whatever way this process ends, no worker, server or namespace of it stays behind.
  process.on('exit', killEverythingNow);

  const opts = options(controller.signal);
  opts.log(`work folder ${opts.dir}`);
  const result = await runChaos(opts);
  const overrides = OVERRIDES.filter((name) => process.env[name]).map((name) => `${name}=${process.env[name]} `);
  const nproc = run('nproc', []).stdout.trim();
  writeBenchmarkSection(
    'Chaos',
    renderReport(result, {
      command: `${overrides.join('')}npm run chaos`,
      machine: `nproc ${nproc || '?'}, ${machineDescription()}`,
      date: new Date().toISOString().slice(0, 10),
    }),
  );
  for (const check of result.checks) console.error(`${check.ok ? 'pass' : 'FAIL'}  ${check.name}: ${check.detail}`);
  return result.checks.every((c) => c.ok) ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`chaos run failed: ${(err as Error).message}`);
    process.exit(2);
  },
);
