/**
 * `npm run bench:backtest`: the SMA crossover sweep (fast 5..50 step 5 × slow 10..200 step 10, fast < slow:
 * 175 backtests, commission 0.002, a stop-loss 5 % and a take-profit 10 % from the signal bar's close) with
 * tuneflow's runMany, backtesting.py's Backtest.optimize and vectorbt's Portfolio.from_signals, each on one core,
 * on data/sample_daily.csv and on a generated 100,000-bar series. Writes the "Backtest engine" section of
 * BENCHMARKS.md. Python libraries come from a throw-away virtualenv under .tuneflow/. Every measurement runs in
 * its own process, so that peak memory growth is its own.
 *
 * `node dist/scripts/benchBacktest.js --tuneflow-only` times tuneflow alone on both series (no Python, writes
 * nothing) and prints where a backtest's time goes: indicators and signals, simulation, statistics.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { formatCsv, generateBars, loadCsv, runMany, runManySettled, sliceBars, type BacktestPhaseMs, type Params } from '../backtest';
import { ensureVenv } from '../harness/python';
import { PROJECT_ROOT } from '../services/paths';
import { machineDescription, writeBenchmarkSection } from '../harness/benchReport';

const PYTHON_PACKAGES = ['backtesting==0.6.6', 'vectorbt==1.2.0', 'pandas==3.1.1', 'numpy==2.4.6', 'bokeh==3.9.2'];
// Costs and exits switched on: every engine pays commission and checks a stop-loss and a take-profit on every trade.
const OPTIONS = { cash: 10_000, commission: 0.002, stopLoss: 0.05, takeProfit: 0.1 };
const GRID: Params[] = [];
for (let fast = 5; fast <= 50; fast += 5) for (let slow = 10; slow <= 200; slow += 10) if (fast < slow) GRID.push({ fast, slow });

interface Measurement {
  seconds: number;
  backtests: number;
  sampled: boolean;
  rss_growth_mb: number;
  versions?: Record<string, string>;
  /** tuneflow only: microseconds per backtest in each step, from a separate timed sweep. */
  phases_us?: Omit<BacktestPhaseMs, 'load'>;
}

/** In a child process: time runMany over the grid (median of a few runs) after warming the JIT on a slice. */
function measureTuneflow(csv: string): Measurement {
  const bars = loadCsv(csv);
  runMany(sliceBars(bars, 0, 500), 'sma_crossover', GRID, OPTIONS);
  const before = process.resourceUsage().maxRSS;
  const times: number[] = [];
  for (let i = 0; i < (bars.length > 20_000 ? 3 : 9); i++) {
    const t0 = process.hrtime.bigint();
    runMany(bars, 'sma_crossover', GRID, OPTIONS);
    times.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  times.sort((a, b) => a - b);
  const rss = (process.resourceUsage().maxRSS - before) / 1024;
  // The steps are timed in a sweep of their own, so that the clock reads do not weigh on the timing above.
  const phases: BacktestPhaseMs = { load: 0, indicators: 0, simulation: 0, statistics: 0 };
  runManySettled(bars, 'sma_crossover', GRID, OPTIONS, phases);
  const perBacktest = (ms: number) => (ms * 1000) / GRID.length;
  const phases_us = { indicators: perBacktest(phases.indicators), simulation: perBacktest(phases.simulation), statistics: perBacktest(phases.statistics) };
  return { seconds: times[times.length >> 1], backtests: GRID.length, sampled: false, rss_growth_mb: rss, phases_us };
}

function child(args: string[], command = process.execPath): Measurement {
  const env = { ...process.env, TQDM_DISABLE: '1', OMP_NUM_THREADS: '1', NUMBA_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1', MKL_NUM_THREADS: '1' };
  return JSON.parse(execFileSync(command, args, { encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24 }));
}

/** The two series of the sweep, the generated one written under .tuneflow/bench. */
function datasets(): Array<{ label: string; csv: string }> {
  const workDir = path.join(PROJECT_ROOT, '.tuneflow', 'bench');
  fs.mkdirSync(workDir, { recursive: true });
  const big = path.join(workDir, 'generated_100k_hourly.csv');
  fs.writeFileSync(big, formatCsv(generateBars({ seed: 100_000, bars: 100_000, interval: '1h', weekends: true, start: '2013-01-01', mu: 0.1, sigma: 0.5, startPrice: 100 })));
  return [
    { label: 'data/sample_daily.csv (2,000 daily bars)', csv: path.join(PROJECT_ROOT, 'data', 'sample_daily.csv') },
    { label: 'generated, 100,000 hourly bars (24/7)', csv: big },
  ];
}

/** Where a backtest's time goes: µs per backtest in each step, and their share. */
function phaseLine(m: Measurement): string {
  const p = m.phases_us;
  if (!p) return '';
  const total = p.indicators + p.simulation + p.statistics;
  const part = (us: number) => `${us.toFixed(1)} µs (${Math.round((us / total) * 100)} %)`;
  return `indicators and signals ${part(p.indicators)}, simulation ${part(p.simulation)}, statistics ${part(p.statistics)}`;
}

/** tuneflow alone, for profiling: backtests per second and the steps' times on both series. */
function tuneflowOnly(): void {
  for (const { label, csv } of datasets()) {
    const m = child([__filename, '--measure', csv]);
    console.log(`${label}: ${significant(m.backtests / m.seconds)} backtests/s (${((m.seconds / m.backtests) * 1e6).toFixed(1)} µs each); ${phaseLine(m)}`);
  }
}

function main(): void {
  const python = ensureVenv('venv-bench', PYTHON_PACKAGES);
  const pyBench = path.join(PROJECT_ROOT, 'scripts', 'bench', 'backtest', 'bench.py');

  const rows: string[] = [];
  const summary: string[] = [];
  const steps: string[] = [];
  let versions: Record<string, string> = {};
  for (const { label, csv } of datasets()) {
    console.error(`${label}: tuneflow ...`);
    const ours = child([__filename, '--measure', csv]);
    console.error(`${label}: vectorbt ...`);
    const vbt = child([pyBench, 'vectorbt', csv], python);
    console.error(`${label}: backtesting.py ...`);
    const btpy = child([pyBench, 'backtesting.py', csv], python);
    versions = vbt.versions ?? versions;
    const rate = (m: Measurement) => m.backtests / m.seconds;
    const line = (name: string, m: Measurement, ratio: string) =>
      `| ${name} | ${m.backtests}${m.sampled ? ' (sampled)' : ''} | ${m.seconds.toFixed(3)} | ${significant(rate(m))} | ${ratio} | ${significant(m.rss_growth_mb)} MB (${significant((m.rss_growth_mb * 1024) / m.backtests)} KB) |`;
    rows.push(`| **${label}** | | | | | |`);
    rows.push(line('tuneflow `runMany`', ours, '—'));
    rows.push(line(`backtesting.py ${versions.backtesting} \`Backtest.optimize\``, btpy, `${(rate(ours) / rate(btpy)).toFixed(0)}×`));
    rows.push(line(`vectorbt ${versions.vectorbt} \`Portfolio.from_signals\``, vbt, `${(rate(ours) / rate(vbt)).toFixed(1)}×`));
    summary.push(`${label}: ${(rate(ours) / rate(btpy)).toFixed(0)}× backtesting.py (goal 50×), ${(rate(ours) / rate(vbt)).toFixed(1)}× vectorbt (goal 1×).`);
    steps.push(`${label}: ${phaseLine(ours)}.`);
  }

  const load = os.loadavg()[0].toFixed(1);
  const section = [
    `Command: \`npm run bench:backtest\`. Run on ${new Date().toISOString().slice(0, 10)}, ${machineDescription()}, cores shared with other work`,
    `(load average ${load} at the end of the run), Node ${process.version}, Python packages ${PYTHON_PACKAGES.join(', ')}.`,
    '',
    'Sweep: SMA crossover, fast 5..50 step 5 × slow 10..200 step 10 with fast < slow (175 backtests), commission 0.002,',
    'a stop-loss 5 % and a take-profit 10 % on every trade, cash 10,000, one core each (backtesting.py with a one-thread',
    'pool, vectorbt with numba on one thread). Times cover indicators, signals, simulation and statistics, not loading',
    'the CSV. "tuneflow ×" is tuneflow\'s backtests per second',
    'divided by the other\'s. Memory is the growth of peak RSS during the sweep, in its own process, and per backtest.',
    '',
    '| engine | backtests | seconds | backtests/s | tuneflow × | peak RSS growth (per backtest) |',
    '|---|---|---|---|---|---|',
    ...rows,
    '',
    ...summary.map((s) => `- ${s}`),
    '',
    'Where tuneflow\'s time goes, per backtest (a separate sweep with the steps timed):',
    '',
    ...steps.map((s) => `- ${s}`),
    '',
    'Notes:',
    '- backtesting.py on 100,000 bars takes seconds per backtest, so it runs a random sample of the grid',
    '  (`optimize(max_tries=8)`; the table counts the points it evaluated). `optimize` also re-runs the best point once,',
    '  counted as a backtest.',
    '- vectorbt gets the same crossover signals, shifted to fill at the next open, but fills with its own rules (e.g. how a',
    '  reversal is sized), so its trades are close to, not identical with, the other two. It computes four statistics',
    '  (total return, Sharpe, max drawdown, trade count); tuneflow computes all 29 and backtesting.py its full set.',
    '- Exits: tuneflow and backtesting.py place the stop-loss and take-profit 5 % / 10 % from the signal bar\'s close',
    '  (`sl=`/`tp=` on the order); vectorbt\'s `sl_stop`/`tp_stop` are fractions of its entry price (the next open), so',
    '  its exit levels differ by that bar\'s gap, and it checks them from the bar after entry on.',
    '- tuneflow\'s time is the median of several sweeps after a JIT warm-up on a 500-bar slice; the others are single runs',
    '  after imports (and, for vectorbt, numba compilation on a 500-bar slice).',
    '',
  ].join('\n');
  writeBenchmarkSection('Backtest engine', section);
  console.log(section);
}

/** Three significant digits, grouped: 6,470 / 182 / 9.31 / 0.322. */
function significant(x: number): string {
  return x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toPrecision(3);
}



if (process.argv[2] === '--measure') console.log(JSON.stringify(measureTuneflow(process.argv[3])));
else if (process.argv[2] === '--tuneflow-only') tuneflowOnly();
else main();
