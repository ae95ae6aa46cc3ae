import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { loadBars, runBacktest } from '../../backtest';
import { tuneflow } from '../helpers/cli';

const FIXTURES = path.resolve(__dirname, '..', '..', '..', 'test', 'fixtures', 'data');
const PARQUET = path.join(FIXTURES, 'new_york_15min.parquet');
const SMA = ['--strategy', 'sma_crossover', '--param', 'fast=5', '--param', 'slow=20', '--commission', '0.001'];

test('tuneflow backtest reads Parquet in its zone, and resamples it to --timeframe first', async () => {
  const before = fs.readdirSync(FIXTURES).sort();
  const plain = await tuneflow(['backtest', '--data', PARQUET, ...SMA]);
  assert.equal(plain.code, 0, plain.stderr);
  assert.match(plain.stdout, /^sma_crossover fast=5 slow=20 on .*new_york_15min\.parquet: 1040 bars in America\/New_York, 2024-02-26 09:30:00-05:00 to 2024-11-15 15:45:00-05:00;/);

  const hourly = await tuneflow(['backtest', '--data', PARQUET, ...SMA, '--timeframe', '1h', '--json']);
  assert.equal(hourly.code, 0, hourly.stderr);
  const metrics = JSON.parse(hourly.stdout) as { trades: number; sharpe: number | null; return_pct: number };
  const bars = loadBars(PARQUET, { timeframe: '1h' });
  const direct = runBacktest(bars, 'sma_crossover', { fast: 5, slow: 20 }, { cash: 10_000, commission: 0.001 }).metrics;
  assert.equal(metrics.trades, direct.trades);
  assert.equal(metrics.return_pct, direct.return_pct);

  const text = await tuneflow(['backtest', '--data', PARQUET, ...SMA, '--timeframe', '1h', '--timezone', 'Asia/Tokyo']);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /: 280 1h bars in Asia\/Tokyo, 2024-02-26 23:00:00\+09:00 to 2024-11-16 05:00:00\+09:00;/);
  assert.deepEqual(fs.readdirSync(FIXTURES).sort(), before, 'nothing written next to the data');
});

test('bad data and data flags end tuneflow backtest with one paragraph and exit code 2', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tuneflow-data-cli-'));
  const fake = path.join(dir, 'fake.parquet');
  fs.writeFileSync(fake, 'not parquet');
  const dup = path.join(dir, 'dup.csv');
  fs.writeFileSync(dup, 'Date,Open,High,Low,Close\n2024-01-02,1,2,0.5,1\n2024-01-02,1,2,0.5,1\n');
  const cases: Array<[string[], RegExp]> = [
    [['--data', PARQUET, '--timeframe', '5min'], /new_york_15min\.parquet: the timeframe 5min is finer than the data, whose bars are 15min apart/],
    [['--data', PARQUET, '--timeframe', '4hours'], /^tuneflow: --timeframe: timeframe "4hours" is not one tuneflow resamples to/],
    [['--data', PARQUET, '--timezone', 'Mars/Olympus'], /^tuneflow: --timezone: time zone "Mars\/Olympus" is not one of the tz database/],
    [['--data', fake], /fake\.parquet: not a readable Parquet file/],
    [['--data', dup], /dup\.csv, line 3, column 1 \(Date\): 2024-01-02 repeats the previous row's time 2024-01-02/],
    [['--data', path.join(FIXTURES, 'berlin_hourly.csv')], /berlin_hourly\.csv, line 455, column 1 \(Date\): 2024-10-27 02:00:00 repeats the previous row's time/],
  ];
  for (const [args, message] of cases) {
    const result = await tuneflow(['backtest', ...args, ...SMA]);
    assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
    assert.match(result.stderr, message);
    assert.equal(result.stderr.trim().split('\n').length, 1, 'one paragraph');
    assert.equal(result.stdout, '');
  }
  assert.deepEqual(fs.readdirSync(dir).sort(), ['dup.csv', 'fake.parquet'], 'nothing written');
  fs.rmSync(dir, { recursive: true, force: true });
});
