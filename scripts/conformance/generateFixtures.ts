/**
 * Writes the conformance fixtures: a few generated series as CSV, and backtesting.py's trades and statistics
 * for every built-in strategy on them as JSON, which test/backtest/conformance.test.ts compares the engine with.
 * Not part of `npm test` (it needs Python and PyPI):
 *
 *   npx tsc -p tsconfig.json && node dist/scripts/conformance/generateFixtures.js
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Indicators, formatCsv, generateBars, getStrategy, resolveParams, type BacktestOptions, type Bars } from '../../backtest';
import { ensureVenv, runPython } from '../../harness/python';
import { PROJECT_ROOT } from '../../services/paths';

/** Pinned so that fixtures are reproducible; backtesting.py's results changed between 0.6.5 and 0.6.6. */
const BACKTESTING_PY = ['backtesting==0.6.6', 'pandas==3.1.1', 'numpy==2.4.6', 'bokeh==3.9.2'];

const FIXTURES = path.join(PROJECT_ROOT, 'test', 'fixtures', 'conformance');

interface Case {
  id: string;
  data: string;
  strategy: string;
  params: Record<string, number>;
  options: BacktestOptions;
}

const SERIES: Record<string, () => Bars> = {
  // Equities: weekdays only, annualised over 252 days.
  'daily_weekdays.csv': () => generateBars({ seed: 11, bars: 1500, interval: '1d', weekends: false, start: '2015-01-05', mu: 0.12, sigma: 0.3, startPrice: 50 }),
  // Crypto: every hour of every day, annualised over 365 days from daily resampling.
  'hourly_247.csv': () => generateBars({ seed: 12, bars: 2000, interval: '1h', weekends: true, start: '2021-03-01', mu: 0.3, sigma: 0.8, startPrice: 300 }),
  // FX-like: hourly on weekdays.
  'hourly_weekdays.csv': () => generateBars({ seed: 13, bars: 1500, interval: '1h', weekends: false, start: '2019-06-03', mu: 0.02, sigma: 0.1, startPrice: 1.1, decimals: 5 }),
  // Long flat stretches, where moving averages become exactly equal and crossovers are skipped.
  'daily_flat.csv': () => withFlatStretches(
    generateBars({ seed: 14, bars: 1200, interval: '1d', weekends: false, start: '2010-01-04', mu: 0.1, sigma: 0.25, startPrice: 80 }),
    [[200, 60], [520, 120], [900, 45]],
  ),
};

function cases(series: Record<string, Bars>): Case[] {
  const out: Case[] = [];
  for (const data of Object.keys(SERIES)) {
    const cash = data.startsWith('hourly_weekdays') ? 100_000 : 10_000;
    for (const [fast, slow] of [[5, 20], [10, 30], [20, 60]]) {
      for (const commission of [0, 0.002]) {
        out.push({ id: `${data.replace('.csv', '')}/sma_${fast}_${slow}/c${commission}`, data, strategy: 'sma_crossover', params: { fast, slow }, options: { cash, commission } });
      }
    }
  }
  const extra: [string, BacktestOptions][] = [
    ['sl5_tp10', { cash: 10_000, commission: 0.001, stopLoss: 0.05, takeProfit: 0.1 }],
    ['sl2', { cash: 10_000, commission: 0, stopLoss: 0.02 }],
    ['size50', { cash: 10_000, commission: 0.002, sizeFraction: 0.5 }],
  ];
  for (const [name, options] of extra) {
    for (const data of ['daily_weekdays.csv', 'hourly_247.csv']) {
      out.push({ id: `${data.replace('.csv', '')}/sma_15_40/${name}`, data, strategy: 'sma_crossover', params: { fast: 15, slow: 40 }, options });
    }
  }
  // backtesting.py's last bar: a signal on the bar before it (a trade that opens and closes at the last open), and
  // one on the last bar itself (a trade left open, or closed within the bar by a near stop-loss or take-profit).
  for (const data of ['daily_weekdays.csv', 'hourly_247.csv']) {
    const name = data.replace('.csv', '');
    const bars = series[data];
    for (const [label, fromEnd] of [['signal_before_last_bar', 2], ['signal_on_last_bar', 1]] as const) {
      const params = crossingAt(bars, bars.length - fromEnd);
      const id = `${name}/sma_${params.fast}_${params.slow}/${label}`;
      out.push({ id, data, strategy: 'sma_crossover', params, options: { cash: 10_000, commission: 0.002 } });
      out.push({ id: `${id}_sl_tp`, data, strategy: 'sma_crossover', params, options: { cash: 10_000, commission: 0.002, stopLoss: 0.004, takeProfit: 0.004 } });
    }
  }
  for (const [strategy, parameterSets] of Object.entries(OTHER_STRATEGIES)) out.push(...strategyCases(strategy, parameterSets));
  out.push(...costCases());
  return out;
}

/**
 * The costs and exits backtesting.py has too: its spread, its `(fixed, relative)` commission, whole-unit orders and
 * a trailing stop (a strategy that moves `trade.sl` in `next()`), alone and together, on a daily and an hourly
 * series, with a trend follower (SMA) and a breakout (Donchian) strategy.
 */
function costCases(): Case[] {
  const costs: [string, BacktestOptions][] = [
    ['spread', { cash: 10_000, commission: 0, spread: 0.001 }],
    ['spread_commission', { cash: 10_000, commission: 0.001, spread: 0.0005 }],
    ['commission_fixed', { cash: 10_000, commission: 0, commissionFixed: 2.5 }],
    ['commission_both', { cash: 10_000, commission: 0.001, commissionFixed: 1 }],
    ['rebate', { cash: 10_000, commission: -0.0005 }],
    ['units', { cash: 10_000, commission: 0.001, sizeUnits: 7 }],
    ['units_scarce', { cash: 10_000, commission: 0.002, commissionFixed: 1, sizeUnits: 150 }],
    ['trailing', { cash: 10_000, commission: 0, trailingStop: 0.03 }],
    ['trailing_sl_tp', { cash: 10_000, commission: 0.001, stopLoss: 0.02, takeProfit: 0.08, trailingStop: 0.04 }],
    ['everything', { cash: 10_000, commission: 0.001, commissionFixed: 1, spread: 0.0005, sizeFraction: 0.6, stopLoss: 0.03, takeProfit: 0.12, trailingStop: 0.05 }],
  ];
  const runs: [string, Record<string, number>][] = [['sma_crossover', { fast: 10, slow: 30 }], ['donchian_breakout', { lookback: 20 }]];
  const out: Case[] = [];
  for (const [name, options] of costs) {
    for (const data of ['daily_weekdays.csv', 'hourly_247.csv']) {
      for (const [strategy, params] of runs) {
        out.push({ id: `${data.replace('.csv', '')}/${strategy}/${name}`, data, strategy, params, options });
      }
    }
  }
  return out;
}

/**
 * The other built-ins, each with its defaults first and a second parameter set; expected.py re-states each one
 * as a backtesting.py Strategy with pandas indicators.
 */
const OTHER_STRATEGIES: Record<string, Record<string, number>[]> = {
  ema_crossover: [{ fast: 12, slow: 26 }, { fast: 5, slow: 20 }],
  macd: [{ fast: 12, slow: 26, signal: 9 }, { fast: 5, slow: 35, signal: 5 }],
  rsi_reversion: [{ period: 14, lower: 30, upper: 70 }, { period: 7, lower: 25, upper: 75 }],
  bollinger_breakout: [{ period: 20, k: 2 }, { period: 10, k: 1.5 }],
  donchian_breakout: [{ lookback: 20 }, { lookback: 50 }],
};

/** Every parameter set on every series with and without commission; stops and a fractional size with the defaults. */
function strategyCases(strategy: string, parameterSets: Record<string, number>[]): Case[] {
  const out: Case[] = [];
  const label = (params: Record<string, number>) => [strategy, ...Object.values(params)].join('_');
  for (const data of Object.keys(SERIES)) {
    const cash = data.startsWith('hourly_weekdays') ? 100_000 : 10_000;
    for (const params of parameterSets) {
      for (const commission of [0, 0.002]) {
        out.push({ id: `${data.replace('.csv', '')}/${label(params)}/c${commission}`, data, strategy, params, options: { cash, commission } });
      }
    }
  }
  const data = 'daily_weekdays.csv', params = parameterSets[0];
  const orders: [string, BacktestOptions][] = [
    ['sl5_tp10', { cash: 10_000, commission: 0.001, stopLoss: 0.05, takeProfit: 0.1 }],
    ['size50', { cash: 10_000, commission: 0.002, sizeFraction: 0.5 }],
  ];
  for (const [name, options] of orders) out.push({ id: `daily_weekdays/${label(params)}/${name}`, data, strategy, params, options });
  return out;
}

/** The first SMA pair (fast from 3, slow from fast + 5) whose crossover signal falls on bar `bar` and on no bar after it. */
function crossingAt(bars: Bars, bar: number): { fast: number; slow: number } {
  const sma = getStrategy('sma_crossover'), indicators = new Indicators(bars), targets = new Int8Array(bars.length);
  for (let fast = 3; fast < 40; fast++) {
    for (let slow = fast + 5; slow < 120; slow++) {
      targets.fill(0);
      sma.signals(indicators, resolveParams(sma, { fast, slow }, bars.length), targets);
      if (targets[bar] !== 0 && targets.subarray(bar + 1).every((t) => t === 0)) return { fast, slow };
    }
  }
  throw new Error(`no SMA pair crosses on bar ${bar} of ${bars.source}`);
}

/** Holds OHLC at the previous close over each [start, length) window and rescales later bars to continue from it. */
function withFlatStretches(bars: Bars, stretches: [number, number][]): Bars {
  const cols = [bars.open, bars.high, bars.low, bars.close];
  for (const [start, length] of stretches) {
    const level = bars.close[start - 1];
    const scale = level / bars.close[start + length - 1];
    for (let i = start; i < bars.length; i++) {
      for (const col of cols) col[i] = i < start + length ? level : Math.round(col[i] * scale * 100) / 100;
    }
  }
  return { ...bars, source: `${bars.source} with flat stretches` };
}

function main(): void {
  fs.mkdirSync(FIXTURES, { recursive: true });
  const series = Object.fromEntries(Object.entries(SERIES).map(([file, make]) => [file, make()]));
  for (const [file, bars] of Object.entries(series)) fs.writeFileSync(path.join(FIXTURES, file), formatCsv(bars));

  const all = cases(series);
  const casesFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tuneflow-conformance-')), 'cases.json');
  fs.writeFileSync(casesFile, JSON.stringify(all));
  const python = ensureVenv('venv-conformance', BACKTESTING_PY);
  const { versions, results } = JSON.parse(runPython(python, path.join(PROJECT_ROOT, 'scripts', 'conformance', 'expected.py'), [casesFile, FIXTURES]));

  const lines = all.map((c) => JSON.stringify({ ...c, expected: results[c.id] }));
  const header = JSON.stringify({ generatedBy: 'scripts/conformance/generateFixtures.ts', versions });
  fs.writeFileSync(path.join(FIXTURES, 'expected.json'), `{"about":${header},"cases":[\n${lines.join(',\n')}\n]}\n`);
  const flagged = all.filter((c) => results[c.id].lastBarEntry).map((c) => c.id);
  console.log(`Wrote ${all.length} cases to ${path.relative(PROJECT_ROOT, FIXTURES)}/expected.json (backtesting ${versions.backtesting}).`);
  if (flagged.length) console.log(`Cases where backtesting.py opens a trade on the last bar: ${flagged.join(', ')}`);
  const missing = ['signal_before_last_bar', 'signal_on_last_bar'].filter((kind) => !all.some((c) => c.id.endsWith(kind) && results[c.id].lastBarEntry));
  if (missing.length) throw new Error(`backtesting.py opened no trade on the last bar in the cases meant for it: ${missing.join(', ')}`);
}

main();
