import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { Command } from 'commander';
import { registerBacktestCommand } from '../../cli/commands/backtest';
import { METRIC_NAMES } from '../../config/metrics';
import { InputError } from '../../errors';

const SAMPLE = path.resolve(__dirname, '..', '..', '..', 'data', 'sample_daily.csv');

async function backtest(t: { mock: { method: (o: object, m: string, f: (...a: unknown[]) => void) => unknown } }, ...args: string[]): Promise<string> {
  const out: string[] = [];
  t.mock.method(console, 'log', (...a: unknown[]) => out.push(a.join(' ')));
  const program = new Command().exitOverride();
  registerBacktestCommand(program);
  await program.parseAsync(['node', 'tuneflow', 'backtest', ...args]);
  return out.join('\n');
}

test('--json prints one object with every metric, null where undefined, and the parameters', async (t) => {
  const text = await backtest(t, '--data', SAMPLE, '--strategy', 'sma_crossover', '--param', 'fast=10', '--param', 'slow=30', '--commission', '0.002', '--json');
  const result = JSON.parse(text);
  assert.deepEqual(Object.keys(result).sort(), [...METRIC_NAMES, 'params'].sort());
  assert.deepEqual(result.params, { fast: 10, slow: 30 });
  assert.ok(result.trades > 0);
});

test('without --json, a readable table with defaults filled in', async (t) => {
  const text = await backtest(t, '--data', SAMPLE, '--strategy', 'donchian_breakout');
  assert.match(text, /^donchian_breakout lookback=20 on .*sample_daily.csv: 2000 bars/);
  assert.match(text, /sharpe\s+-?\d/);
});

test('bad input is an InputError naming the problem', async (t) => {
  const cases: [string[], RegExp][] = [
    [['--data', SAMPLE, '--strategy', 'sma'], /Unknown strategy "sma"/],
    [['--data', SAMPLE, '--strategy', 'sma_crossover', '--param', 'fast'], /--param takes name=value/],
    [['--data', SAMPLE, '--strategy', 'sma_crossover', '--param', 'fast=ten'], /fast takes a number/],
    [['--data', SAMPLE, '--strategy', 'sma_crossover', '--param', 'fast=40'], /fast < slow must hold/],
    [['--data', SAMPLE, '--strategy', 'sma_crossover', '--commission', 'lots'], /--commission takes a number/],
    [['--data', 'no/such.csv', '--strategy', 'sma_crossover'], /--data: data file .*no\/such\.csv does not exist/],
  ];
  for (const [args, message] of cases) await assert.rejects(backtest(t, ...args), (err: unknown) => err instanceof InputError && message.test(err.message));
});
