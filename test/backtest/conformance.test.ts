import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { loadCsv, runBacktest, type BacktestOptions, type Bars, type Metrics, type Trade } from '../../backtest';
import { BUILTIN_STRATEGIES } from '../../backtest/strategies/builtin';

/**
 * The engine against backtesting.py 0.6.6 on the shipped series (fixtures written by
 * scripts/conformance/generateFixtures.ts): same trades, bar for bar, and statistics to a relative 1e-9.
 */
const FIXTURES = path.resolve(__dirname, '..', '..', '..', 'test', 'fixtures', 'conformance');
const RELATIVE = 1e-9;

type Expected = number | null | 'Infinity' | '-Infinity';
type ExpectedTrade = [size: number, entryBar: number, exitBar: number, entryPrice: number, exitPrice: number, pnl: number, returnPct: number];
interface Case {
  id: string;
  data: string;
  strategy: string;
  params: Record<string, number>;
  options: BacktestOptions;
  expected: { stats: Record<keyof Metrics, Expected>; trades: ExpectedTrade[]; lastBarEntry: boolean; openAtEnd: boolean };
}

const fixture = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'expected.json'), 'utf8')) as { cases: Case[] };
const series = new Map<string, Bars>();
const bars = (file: string) => series.get(file) ?? series.set(file, loadCsv(path.join(FIXTURES, file))).get(file)!;

function assertClose(actual: number, expected: Expected, what: string): void {
  if (expected === null) return assert.ok(Number.isNaN(actual), `${what}: expected NaN, got ${actual}`);
  if (typeof expected === 'string') return assert.equal(actual, Number(expected), what);
  const error = Math.abs(actual - expected);
  assert.ok(error === 0 || error <= RELATIVE * Math.max(Math.abs(actual), Math.abs(expected)),
    `${what}: ${actual} vs backtesting.py ${expected} (relative error ${(error / Math.abs(expected)).toExponential(2)})`);
}

function assertTrades(trades: Trade[], expected: ExpectedTrade[]): void {
  assert.equal(trades.length, expected.length, 'trade count');
  trades.forEach((t, k) => {
    const [size, entryBar, exitBar, entryPrice, exitPrice, pnl, returnPct] = expected[k];
    assert.deepEqual([t.size, t.entryBar, t.exitBar], [size, entryBar, exitBar], `trade ${k}: size, entry and exit bars`);
    assertClose(t.entryPrice, entryPrice, `trade ${k} entry price`);
    assertClose(t.exitPrice, exitPrice, `trade ${k} exit price`);
    assertClose(t.pnl, pnl, `trade ${k} pnl`);
    assertClose(t.returnPct, returnPct, `trade ${k} return`);
  });
}

test('fixtures cover every series, every built-in strategy and every case kind', () => {
  assert.ok(fixture.cases.length >= 128);
  for (const { name } of BUILTIN_STRATEGIES) {
    const own = fixture.cases.filter((c) => c.strategy === name);
    assert.equal(new Set(own.map((c) => c.data)).size, 4, `${name} on every series`);
    assert.ok(own.some((c) => c.options.stopLoss !== undefined && c.options.takeProfit !== undefined), `${name} with stops`);
    assert.ok(own.some((c) => c.options.sizeFraction !== undefined), `${name} with a fractional size`);
  }
  assert.deepEqual(new Set(fixture.cases.map((c) => c.data)).size, 4);
  const lastBar = fixture.cases.filter((c) => c.expected.lastBarEntry);
  assert.ok(lastBar.some((c) => c.expected.openAtEnd), 'a signal on the last bar');
  assert.ok(lastBar.some((c) => !c.expected.openAtEnd && c.expected.trades.some((t) => t[1] === t[2])), 'a trade opened and closed on the last bar');
  assert.ok(fixture.cases.some((c) => c.expected.lastBarEntry && c.options.stopLoss !== undefined), 'stops on the last bar');
  // The costs and exits backtesting.py has too, each with trades to check.
  const traded = fixture.cases.filter((c) => c.expected.trades.length > 0);
  for (const option of ['spread', 'commissionFixed', 'sizeUnits', 'trailingStop'] as const) {
    assert.ok(traded.filter((c) => c.options[option] !== undefined).length >= 4, option);
  }
  assert.ok(fixture.cases.some((c) => c.options.sizeUnits !== undefined && c.expected.trades.length === 0), 'units that cash cannot pay for');
});

for (const c of fixture.cases) {
  test(`same trades and statistics as backtesting.py: ${c.id}`, () => {
    const { metrics, trades } = runBacktest(bars(c.data), c.strategy, c.params, c.options);
    assertTrades(trades, c.expected.trades);
    for (const [name, want] of Object.entries(c.expected.stats)) assertClose(metrics[name as keyof Metrics], want, name);
  });
}

for (const c of fixture.cases.filter((k) => k.expected.lastBarEntry)) {
  test(`lastBarEntries false opens nothing on the last bar: ${c.id}`, () => {
    const data = bars(c.data);
    const { metrics, trades } = runBacktest(data, c.strategy, c.params, { ...c.options, lastBarEntries: false });
    const opensOnLastBar = (t: ExpectedTrade) => t[1] === data.length - 1;
    assertTrades(trades, c.expected.trades.filter((t) => !opensOnLastBar(t)));
    const parity = runBacktest(data, c.strategy, c.params, c.options).metrics;
    // Without commission a trade that opens and closes at one price leaves the equity as it was.
    if (c.options.commission > 0) assert.notEqual(metrics.equity_final, parity.equity_final);
    if (!c.expected.openAtEnd) {
      // A trade that opens and closes at the last open changes the final equity by its P&L alone.
      const extra = c.expected.trades.filter(opensOnLastBar).reduce((sum, t) => sum + t[5], 0);
      assertClose(metrics.equity_final + extra, c.expected.stats.equity_final, 'equity_final less the last-bar trade');
    }
  });
}

test('lastBarEntries false changes nothing where no trade opens on the last bar', () => {
  for (const c of fixture.cases.filter((k) => !k.expected.lastBarEntry).slice(0, 8)) {
    const data = bars(c.data);
    assert.deepEqual(runBacktest(data, c.strategy, c.params, { ...c.options, lastBarEntries: false }).metrics, runBacktest(data, c.strategy, c.params, c.options).metrics, c.id);
  }
});
