import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { loadBars, parseCsv } from '../../backtest';
import { computeCalendar } from '../../backtest/calendar';
import { formatZonedTime, instantsAt, timeZone, UTC } from '../../backtest/zones';
import { assertInputError } from './helpers';

const FIXTURES = path.resolve(__dirname, '..', '..', '..', 'test', 'fixtures', 'data');
const expected = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'resample.json'), 'utf8')) as {
  berlin: { time: number[] };
  calendars: Array<{ file: string; timezone: string | null; binLast: number[]; weekendShare: number }>;
};
const HOUR = 3_600_000;
const head = 'Date,Open,High,Low,Close\n';

test('zone names: IANA names in their canonical spelling, UTC, fixed offsets; anything else is an InputError', () => {
  assert.equal(timeZone('europe/berlin').name, 'Europe/Berlin');
  assert.equal(timeZone('US/Eastern').name, 'America/New_York');
  assert.equal(timeZone('Etc/UTC'), UTC);
  assert.equal(timeZone('+00:00'), UTC);
  assert.equal(timeZone('+0530').name, '+05:30');
  assert.equal(timeZone('-03:00').offsetAt(0), -3 * HOUR);
  assertInputError(() => timeZone('Mars/Olympus'), '"Mars/Olympus" is not one of the tz database');
  assertInputError(() => timeZone('+15:00'), 'between -14:00 and +14:00');
});

test('Berlin in 2024: the spring hour does not exist, the autumn hour happens twice, offsets follow', () => {
  const berlin = timeZone('Europe/Berlin');
  assert.deepEqual(instantsAt(berlin, Date.UTC(2024, 2, 31, 2, 30)), [], '02:30 on 31 March is skipped');
  assert.deepEqual(instantsAt(berlin, Date.UTC(2024, 9, 27, 2, 30)), [Date.UTC(2024, 9, 27, 0, 30), Date.UTC(2024, 9, 27, 1, 30)], 'CEST, then CET');
  assert.deepEqual(instantsAt(berlin, Date.UTC(2024, 0, 2, 9)), [Date.UTC(2024, 0, 2, 8)]);
  assert.equal(berlin.offsetAt(Date.UTC(2024, 2, 31, 0, 59, 59, 999)), HOUR);
  assert.equal(berlin.offsetAt(Date.UTC(2024, 2, 31, 1)), 2 * HOUR);
  assert.equal(formatZonedTime(Date.UTC(2024, 9, 27, 0, 30), berlin), '2024-10-27 02:30:00+02:00');
  assert.equal(formatZonedTime(Date.UTC(2024, 9, 27, 1, 30), berlin), '2024-10-27 02:30:00+01:00');
  assert.equal(formatZonedTime(Date.UTC(2024, 0, 1, 23), berlin), '2024-01-02', 'a local midnight is a date');
});

test('naive CSV times in data.timezone: the repeated autumn hour reads in order, as pandas ambiguous="infer" does', () => {
  const bars = loadBars(path.join(FIXTURES, 'berlin_hourly.csv'), { timezone: 'Europe/Berlin' });
  assert.deepEqual([...bars.time], expected.berlin.time, 'the instants pandas gives the file');
  const text = head + ['2024-10-27 01:00:00', '2024-10-27 02:00:00', '2024-10-27 02:00:00', '2024-10-27 03:00:00'].map((t) => `${t},1,1,1,1`).join('\n');
  assert.deepEqual([...parseCsv(text, 'autumn', 'Europe/Berlin').time], [-1, 0, 1, 2].map((h) => Date.UTC(2024, 9, 27, 0) + h * HOUR));
  assertInputError(() => parseCsv(head + '2024-03-31 02:30:00,1,1,1,1\n', 'spring.csv', 'Europe/Berlin'), 'spring.csv, line 2, column 1 (Date): 2024-03-31 02:30:00 does not exist in Europe/Berlin');
  assertInputError(
    () => parseCsv(head + '2024-10-27 02:00:00,1,1,1,1\n2024-10-27 02:00:00,1,1,1,1\n2024-10-27 02:00:00,1,1,1,1\n', 'thrice.csv', 'Europe/Berlin'),
    'thrice.csv, line 4, column 1', "repeats the previous row's time 2024-10-27 02:00:00+01:00",
  );
});

test('CSV times with offsets are instants; one offset shared by every row is the data zone, mixed offsets are UTC', () => {
  const rows = (times: string[]) => head + times.map((t) => `${t},1,1,1,1`).join('\n');
  const ny = parseCsv(rows(['2024-01-02T09:30:00-05:00', '2024-01-02T10:30:00-05:00']), 'ny');
  assert.deepEqual([...ny.time], [Date.UTC(2024, 0, 2, 14, 30), Date.UTC(2024, 0, 2, 15, 30)]);
  assert.equal(ny.timezone, '-05:00');
  const mixed = parseCsv(rows(['2024-03-08T09:30:00-05:00', '2024-03-11T09:30:00-04:00']), 'dst');
  assert.deepEqual([...mixed.time], [Date.UTC(2024, 2, 8, 14, 30), Date.UTC(2024, 2, 11, 13, 30)]);
  assert.equal(mixed.timezone, undefined);
  assert.equal(parseCsv(rows(['2024-01-02T09:30:00Z', '2024-01-02T10:30:00Z']), 'z').timezone, undefined);
  const converted = parseCsv(rows(['2024-03-08T09:30:00-05:00', '2024-03-11T09:30:00-04:00']), 'dst', 'America/New_York');
  assert.deepEqual(converted.time, mixed.time, 'data.timezone converts, the instants stay');
  assert.equal(converted.timezone, 'America/New_York');
});

test('daily statistics count the days of the data zone, as pandas resamples a zoned index to days', () => {
  for (const c of expected.calendars) {
    const bars = loadBars(path.join(FIXTURES, c.file), c.timezone ? { timezone: c.timezone } : {});
    const calendar = computeCalendar(bars);
    assert.deepEqual([...calendar.binLast], c.binLast, `${c.file} in ${c.timezone ?? 'its own zone'}`);
    // Intraday bars annualise over 365 days when weekend bars pass 60 % of their 2/7 share, else over 252.
    assert.equal(calendar.annualDays, c.weekendShare > (2 / 7) * 0.6 ? 365 : 252, `${c.file} in ${c.timezone ?? 'its own zone'}`);
  }
  const tokyo = computeCalendar(loadBars(path.join(FIXTURES, 'new_york_15min.parquet'), { timezone: 'Asia/Tokyo' }));
  const newYork = computeCalendar(loadBars(path.join(FIXTURES, 'new_york_15min.parquet')));
  assert.ok(tokyo.binLast.length > newYork.binLast.length, "a New York session spans midnight in Tokyo, so it falls on two of Tokyo's days");
});
