/**
 * One timed sweep of a compiled backtest engine, run as its own process so that two builds of the engine never
 * share a JIT or a heap: `node sweep.js <dist folder> <daily|hourly> <plain|exits> <csv> <metrics.json>` prints the
 * median CPU microseconds per backtest of five timed rounds after a warm-up, and writes every metric of the sweep to
 * `metrics.json`, so that two builds can be compared value by value. Only the engine's public `runMany` is used,
 * which every release so far exports, so an older build runs the same sweep.
 */
import fs from 'node:fs';
import path from 'node:path';

interface Engine {
  generateBars(o: object): unknown;
  loadCsv(file: string): unknown;
  runMany(bars: unknown, strategy: string, sets: object[], options: object): unknown[];
}

const [dist, series, mode, csv, metricsFile] = process.argv.slice(2);
const engine = require(path.resolve(dist, 'backtest')) as Engine;
const bars = series === 'daily'
  ? engine.loadCsv(csv)
  : engine.generateBars({ seed: 1, bars: 100_000, interval: '1h', weekends: true, start: '2010-01-01', mu: 0.1, sigma: 0.5, startPrice: 100 });
const grid: object[] = [];
for (let fast = 5; fast <= 50; fast += 5) for (let slow = 10; slow <= 200; slow += 10) if (fast < slow) grid.push({ fast, slow });
const options = mode === 'exits' ? { cash: 10_000, commission: 0.002, stopLoss: 0.05, takeProfit: 0.1 } : { cash: 10_000, commission: 0.002 };
// About a second a round on either series.
const sweeps = series === 'daily' ? 40 : 3;
let metrics: unknown[] = [];
for (let k = 0; k < sweeps; k++) metrics = engine.runMany(bars, 'sma_crossover', grid, options);
const rounds: number[] = [];
for (let r = 0; r < 5; r++) {
  const before = process.cpuUsage();
  for (let k = 0; k < sweeps; k++) engine.runMany(bars, 'sma_crossover', grid, options);
  const used = process.cpuUsage(before);
  rounds.push((used.user + used.system) / (sweeps * grid.length));
}
rounds.sort((a, b) => a - b);
// -0 and non-finite values spelled out, so that the comparison sees every value exactly as computed.
fs.writeFileSync(metricsFile, JSON.stringify(metrics, (_key, v: unknown) => (typeof v === 'number' && (!Number.isFinite(v) || Object.is(v, -0)) ? String(v === 0 ? '-0' : v) : v)));
console.log(String(rounds[2]));
