import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { formatCsv, generateBars, loadCsv, parseCsv, sliceBars } from '../../backtest';
import { assertInputError } from './helpers';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tuneflow-data-'));
function csvFile(name: string, text: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

test('reads an unnamed date column, any header case, optional volume and extra columns', () => {
  const file = csvFile('pandas.csv', ',open,HIGH,Low,Close,Adj Close\n2020-01-02,1,2,0.5,1.5,9\r\n2020-01-03,1.5,2.5,1,2,9\n\n');
  const bars = loadCsv(file);
  assert.equal(bars.length, 2);
  assert.deepEqual([...bars.close], [1.5, 2]);
  assert.deepEqual([...bars.time], [Date.UTC(2020, 0, 2), Date.UTC(2020, 0, 3)]);
  assert.ok(Number.isNaN(bars.volume[0]));
  assert.equal(bars.source, file);
});

test('reads ISO date-times, with or without an offset', () => {
  const bars = parseCsv('time,Open,High,Low,Close,Volume\n2021-03-01 09:30:00,1,1,1,1,5\n2021-03-01T10:30Z,1,1,1,1,\n2021-03-01T12:30:00+01:00,1,1,1,1,7\n', 'inline');
  assert.deepEqual([...bars.time], [Date.UTC(2021, 2, 1, 9, 30), Date.UTC(2021, 2, 1, 10, 30), Date.UTC(2021, 2, 1, 11, 30)]);
  assert.ok(Number.isNaN(bars.volume[1]));
});

test('names file, line and column in every data error', () => {
  const head = 'Date,Open,High,Low,Close,Volume\n';
  const row = '2020-01-02,1,2,0.5,1.5,10\n';
  assertInputError(() => loadCsv(csvFile('empty.csv', '')), 'empty.csv', 'empty');
  assertInputError(() => loadCsv(csvFile('header.csv', head)), 'header.csv', 'line 2', 'no data rows');
  assertInputError(() => loadCsv(csvFile('noclose.csv', 'Date,Open,High,Low\n2020-01-02,1,2,0.5\n')), 'noclose.csv', 'line 1', '"Close"');
  assertInputError(() => loadCsv(csvFile('nodate.csv', 'Open,High,Low,Close\n1,2,0.5,1.5\n')), 'nodate.csv', 'line 1, column 1');
  assertInputError(() => loadCsv(csvFile('num.csv', head + row + '2020-01-03,1,abc,0.5,1.5,10\n')), 'num.csv', 'line 3, column 3 (High)', '"abc"');
  assertInputError(() => loadCsv(csvFile('blank.csv', head + '2020-01-03,1,2,0.5,,10\n')), 'blank.csv', 'line 2, column 5 (Close)', 'empty');
  assertInputError(() => loadCsv(csvFile('date.csv', head + '2020-02-30,1,2,0.5,1.5,10\n')), 'date.csv', 'line 2, column 1 (Date)', '2020-02-30');
  assertInputError(() => loadCsv(csvFile('order.csv', head + row + '2020-01-01,1,2,0.5,1.5,10\n')), 'order.csv', 'line 3, column 1', 'earlier');
  assertInputError(() => loadCsv(csvFile('dup.csv', head + row + row)), 'dup.csv', 'line 3, column 1', 'repeats');
  assertInputError(() => loadCsv(csvFile('hl.csv', head + '2020-01-02,1,0.5,2,1.5,10\n')), 'hl.csv', 'line 2, column 3 (High)', 'below Low');
  assertInputError(() => loadCsv(csvFile('fields.csv', head + '2020-01-02,1,2,0.5\n')), 'fields.csv', 'line 2', 'expected 6 fields');
  assertInputError(() => loadCsv(path.join(dir, 'missing.csv')), 'missing.csv', 'ENOENT');
});

test('formatCsv and parseCsv round-trip, dates and date-times alike', () => {
  for (const interval of ['1d', '1h'] as const) {
    const bars = generateBars({ seed: 3, bars: 60, interval, weekends: true, start: '2020-01-01', mu: 0.1, sigma: 0.3, startPrice: 10 });
    const back = parseCsv(formatCsv(bars), 'round-trip');
    for (const key of ['time', 'open', 'high', 'low', 'close', 'volume'] as const) assert.deepEqual(back[key], bars[key], key);
  }
});

test('sliceBars selects by index or date, half-open, without copying', () => {
  const bars = generateBars({ seed: 5, bars: 30, interval: '1d', weekends: true, start: '2020-01-01', mu: 0, sigma: 0.2, startPrice: 10 });
  const byIndex = sliceBars(bars, 10, 20);
  assert.equal(byIndex.length, 10);
  assert.equal(byIndex.close.buffer, bars.close.buffer);
  assert.equal(byIndex.close[0], bars.close[10]);
  const byDate = sliceBars(bars, '2020-01-11', '2020-01-21');
  assert.deepEqual(byDate.time, byIndex.time);
  assert.deepEqual(sliceBars(bars, new Date('2020-01-11T00:00:00Z'), 20).time, byIndex.time);
  assert.equal(sliceBars(bars, -5, 1000).length, 30);
  assertInputError(() => sliceBars(bars, 20, 10), 'no bars');
  assertInputError(() => sliceBars(bars, 'soon', 10), '"soon"');
});
