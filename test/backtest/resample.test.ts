import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { generateBars, loadBars, parseCsv, parseTimeframe } from '../../backtest';
import { resampleBars } from '../../backtest/resample';
import { assertInputError } from './helpers';

const FIXTURES = path.resolve(__dirname, '..', '..', '..', 'test', 'fixtures', 'data');
const COLUMNS = ['time', 'open', 'high', 'low', 'close', 'volume'] as const;
const expected = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'resample.json'), 'utf8')) as {
  cases: Array<{ file: string; timezone: string | null; timeframe: string; expected: Record<(typeof COLUMNS)[number], number[]> }>;
};

test("resampled bars equal pandas' resample().agg(first, max, min, last, sum).dropna(), across changes of clocks", () => {
  assert.ok(expected.cases.length >= 12);
  for (const c of expected.cases) {
    const name = `${c.file} ${c.timeframe} in ${c.timezone ?? 'its own zone'}`;
    const bars = loadBars(path.join(FIXTURES, c.file), { timeframe: c.timeframe, ...(c.timezone ? { timezone: c.timezone } : {}) });
    for (const column of COLUMNS) assert.deepEqual([...bars[column]], c.expected[column], `${name}: ${column}`);
  }
});

test('bars without volume stay without; a bin whose volumes are all missing sums to 0, as in pandas', () => {
  const noVolume = parseCsv('Date,Open,High,Low,Close\n2024-01-02 00:00,1,2,1,1.5\n2024-01-02 01:00,1.5,3,1,2\n', 'no-volume');
  assert.ok(Number.isNaN(resampleBars(noVolume, parseTimeframe('4h')).volume[0]));
  const rows = ['00:00,', '01:00,', '04:00,7', '05:00,1'].map((r) => `2024-01-02 ${r.replace(',', ',1,2,1,1.5,')}`);
  const someVolume = parseCsv(`Date,Open,High,Low,Close,Volume\n${rows.join('\n')}\n`, 'some');
  assert.deepEqual([...resampleBars(someVolume, parseTimeframe('4h')).volume], [0, 8]);
});

test('a timeframe finer than the data, or one tuneflow does not resample to, is an InputError naming both', () => {
  const hourly = generateBars({ seed: 1, bars: 50, interval: '1h', weekends: true, start: '2024-01-01', mu: 0, sigma: 0.2, startPrice: 10 });
  assertInputError(() => resampleBars(hourly, parseTimeframe('30min')), 'the timeframe 30min is finer than the data, whose bars are 1h apart');
  const daily = generateBars({ seed: 1, bars: 50, interval: '1d', weekends: false, start: '2024-01-01', mu: 0, sigma: 0.2, startPrice: 10 });
  assertInputError(() => resampleBars(daily, parseTimeframe('4h')), '4h is finer than the data, whose bars are 1d apart', 'choose 1d or more');
  assert.equal(resampleBars(daily, parseTimeframe('1d')).length, 50, 'the same length is no resampling');
  for (const bad of ['4', '4x', '0h', '2w', '1M', 'h']) assertInputError(() => parseTimeframe(bad), `timeframe "${bad}"`, '4h');
  assert.deepEqual(parseTimeframe('15m'), { text: '15m', unit: 'minute', count: 15 });
});
