/**
 * `npm run bench:engine`: today's backtest engine against an earlier release of it (commit bcdf43f unless
 * `--baseline <commit>`), same machine, same sweep (bench:backtest's 175 SMA crossovers, commission 0.002, with
 * and without a 5 % stop-loss and 10 % take-profit), on data/sample_daily.csv and on 100,000 generated hourly
 * bars. The baseline's sources come from git (`git archive`) into a temporary folder and are compiled there with
 * this checkout's node_modules. Each measurement is its own process (harness/bench/engine/sweep.ts) and the two
 * builds take turns, so a change of load on a shared machine reaches both alike. Writes the "Backtest engine
 * speed-up" section of BENCHMARKS.md.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { machineDescription, writeBenchmarkSection } from '../harness/benchReport';
import { PROJECT_ROOT } from '../services/paths';

const ROUNDS = 7;
const SWEEP = path.join(PROJECT_ROOT, 'dist', 'harness', 'bench', 'engine', 'sweep.js');
const DAILY = path.join(PROJECT_ROOT, 'data', 'sample_daily.csv');
const CASES = [
  { series: 'daily', mode: 'plain', label: '2,000 daily bars, commission' },
  { series: 'daily', mode: 'exits', label: '2,000 daily bars, commission, stop-loss, take-profit' },
  { series: 'hourly', mode: 'plain', label: '100,000 hourly bars, commission' },
  { series: 'hourly', mode: 'exits', label: '100,000 hourly bars, commission, stop-loss, take-profit' },
] as const;

function baselineBuild(commit: string): { dist: string; folder: string } {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'tuneflow-baseline-'));
  const archive = execFileSync('git', ['-C', PROJECT_ROOT, 'archive', commit], { maxBuffer: 1 << 30 });
  execFileSync('tar', ['-x', '-C', folder], { input: archive });
  fs.symlinkSync(path.join(PROJECT_ROOT, 'node_modules'), path.join(folder, 'node_modules'));
  execFileSync(process.execPath, [path.join(PROJECT_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(folder, 'tsconfig.json')], { stdio: 'inherit' });
  return { dist: path.join(folder, 'dist'), folder };
}

type SweepMetrics = Array<Record<string, number | string>>;

/** CPU microseconds per backtest, and the sweep's metrics. */
function sweep(dist: string, series: string, mode: string, scratch: string): { us: number; metrics: SweepMetrics } {
  const file = path.join(scratch, 'metrics.json');
  const time = execFileSync(process.execPath, [SWEEP, dist, series, mode, DAILY, file], { encoding: 'utf8' }).trim();
  return { us: Number(time), metrics: JSON.parse(fs.readFileSync(file, 'utf8')) as SweepMetrics };
}

/** The metrics whose values differ between two sweeps, each with the largest relative difference; empty when all are equal bit for bit. */
function differences(before: SweepMetrics, after: SweepMetrics): Map<string, number> {
  const worst = new Map<string, number>();
  before.forEach((m, k) => {
    for (const [name, a] of Object.entries(m)) {
      const b = after[k][name];
      if (a === b) continue;
      const x = Number(a), y = Number(b);
      worst.set(name, Math.max(worst.get(name) ?? 0, Math.abs(x - y) / Math.max(Math.abs(x), Math.abs(y))));
    }
  });
  return worst;
}

function describeDifferences(worst: Map<string, number>): string {
  if (worst.size === 0) return 'all 29, bit for bit';
  return `all but ${[...worst].map(([name, d]) => `${name} (≤ ${Number.isNaN(d) ? 'NaN' : d.toExponential(0)})`).join(', ')}`;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const us = (x: number) => x.toLocaleString('en-US', { maximumFractionDigits: 1, minimumFractionDigits: 1 });

function main(): void {
  const at = process.argv.indexOf('--baseline');
  const commit = at >= 0 ? process.argv[at + 1] : 'bcdf43f';
  const head = execFileSync('git', ['-C', PROJECT_ROOT, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  const started = new Date();
  const baseline = baselineBuild(commit);
  const today = path.join(PROJECT_ROOT, 'dist');
  const times = CASES.map(() => ({ before: [] as number[], after: [] as number[], differ: new Map<string, number>() }));
  const loadBefore = os.loadavg()[0];
  try {
    for (let r = 0; r < ROUNDS; r++) {
      CASES.forEach((c, k) => {
        const before = sweep(baseline.dist, c.series, c.mode, baseline.folder), after = sweep(today, c.series, c.mode, baseline.folder);
        times[k].before.push(before.us);
        times[k].after.push(after.us);
        if (r === 0) times[k].differ = differences(before.metrics, after.metrics);
        console.error(`round ${r + 1}/${ROUNDS}, ${c.label}: ${us(times[k].before[r])} µs before, ${us(times[k].after[r])} µs after`);
      });
    }
  } finally {
    fs.rmSync(baseline.folder, { recursive: true, force: true });
  }
  const loadAfter = os.loadavg()[0];
  const rows = CASES.map((c, k) => {
    const before = median(times[k].before), after = median(times[k].after);
    const ratios = times[k].before.map((b, r) => b / times[k].after[r]).sort((a, b) => a - b);
    return `| ${c.label} | ${us(before)} | ${us(after)} | ${median(ratios).toFixed(2)}× | ${ratios[0].toFixed(2)}×–${ratios[ratios.length - 1].toFixed(2)}× | ${describeDifferences(times[k].differ)} |`;
  });
  const body = [
    `Command: \`npm run bench:engine\` (baseline ${commit}, today ${head}); ${started.toISOString().slice(0, 10)}; ${machineDescription()}, ` +
      `cores shared with other work (1-minute load average ${loadBefore.toFixed(1)} before, ${loadAfter.toFixed(1)} after).`,
    '',
    `CPU microseconds per backtest of bench:backtest's sweep (175 SMA crossovers with \`runMany\`), the median of ${ROUNDS} ` +
      'rounds, each the median of five timed passes after a warm-up in a process of its own; the two builds take turns. ' +
      'The speed-up is the median of the rounds\' ratios, each of two runs back to back, so that a change of load between ' +
      'rounds reaches both sides of a ratio.',
    '',
    '| sweep | before (µs) | today (µs) | speed-up | range over rounds | metrics equal to the baseline\'s (largest relative difference) |',
    '|---|---|---|---|---|---|',
    ...rows,
    '',
    'Goal (issue 15): 2× the baseline per core. The last column compares all 29 metrics of all 175 backtests of the two',
    'builds value by value. Beta now adds its products in interleaved sums and, on intraday bars, takes the logarithm of',
    'the exact equity ratio (backtest/README.md, Speed), so beta and alpha_pct move in their last bits; the conformance',
    'fixtures hold them within 1e-9.',
  ].join('\n');
  writeBenchmarkSection('Backtest engine speed-up', body);
  console.log(body);
}

main();
