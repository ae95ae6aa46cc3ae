/**
 * How closely the engine reproduces backtesting.py on the conformance fixtures, the figures backtest/README.md
 * quotes: how many statistics are equal bit for bit, and for each statistic that is not, the largest relative
 * difference. The test (test/backtest/conformance.test.ts) holds every value within 1e-9; this measures the margin.
 *
 *   npx tsc -p tsconfig.json && node dist/scripts/conformance/agreement.js
 */
import fs from 'node:fs';
import path from 'node:path';
import { loadCsv, runBacktest, type BacktestOptions, type Bars, type Metrics } from '../../backtest';
import { PROJECT_ROOT } from '../../services/paths';

const FIXTURES = path.join(PROJECT_ROOT, 'test', 'fixtures', 'conformance');

type Expected = number | null | 'Infinity' | '-Infinity';

interface Case {
  data: string;
  strategy: string;
  params: Record<string, number>;
  options: BacktestOptions;
  expected: { stats: Record<string, Expected> };
}

/** The fixture's value as a number: null is NaN, infinities are spelled out. */
function valueOf(expected: Expected): number {
  return expected === null ? NaN : Number(expected);
}

/** Equal bit for bit, where NaN equals NaN and a zero equals a zero of either sign (backtesting.py's `-0.0` prints as 0). */
function identical(a: number, b: number): boolean {
  return a === b || (Number.isNaN(a) && Number.isNaN(b));
}

function main(): void {
  const { cases } = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'expected.json'), 'utf8')) as { cases: Case[] };
  const series = new Map<string, Bars>();
  const worst = new Map<string, number>();
  let total = 0, same = 0;
  for (const c of cases) {
    const bars = series.get(c.data) ?? series.set(c.data, loadCsv(path.join(FIXTURES, c.data))).get(c.data)!;
    const { metrics } = runBacktest(bars, c.strategy, c.params, c.options);
    for (const [name, expected] of Object.entries(c.expected.stats)) {
      const actual = metrics[name as keyof Metrics], want = valueOf(expected);
      total++;
      if (identical(actual, want)) {
        same++;
        continue;
      }
      worst.set(name, Math.max(worst.get(name) ?? 0, Math.abs(actual - want) / Math.abs(want)));
    }
  }
  console.log(`${cases.length} cases: ${same} of ${total} statistics equal to backtesting.py's bit for bit; the others differ by at most:`);
  for (const [name, d] of [...worst].sort((a, b) => b[1] - a[1])) console.log(`  ${name}: ${d.toExponential(1)} relative`);
}

main();
