import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import type { ColumnSource, ParquetWriteOptions } from 'hyparquet-writer';
import { loadBars, loadCsv } from '../../backtest';
import { InputError } from '../../errors';
import { assertInputError } from './helpers';

const FIXTURES = path.resolve(__dirname, '..', '..', '..', 'test', 'fixtures', 'data');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tuneflow-parquet-'));

/** The schema type of the writer's own copy of hyparquet. */
type SchemaElement = NonNullable<ParquetWriteOptions['schema']>[number];

const DAY = 86_400_000;
const JAN_2 = Date.UTC(2024, 0, 2);

/** A Parquet file written by hyparquet-writer: columns as given, with an explicit schema when one is given. */
async function parquetFile(name: string, columnData: ColumnSource[], options: { schema?: SchemaElement[]; kvMetadata?: Array<{ key: string; value: string }> } = {}): Promise<string> {
  const { parquetWriteBuffer } = await import('hyparquet-writer');
  const file = path.join(dir, name);
  fs.writeFileSync(file, Buffer.from(parquetWriteBuffer({ columnData, ...options })));
  return file;
}

/** OHLCV columns of `n` bars, with `change` applied to the default values of a row or column. */
function prices(n: number, change: (column: string, row: number, value: number | null) => number | null = (_c, _r, v) => v): ColumnSource[] {
  return ['Open', 'High', 'Low', 'Close'].map((name, k) => ({
    name,
    type: 'DOUBLE' as const,
    nullable: true,
    data: Array.from({ length: n }, (_, r) => change(name, r, [10, 12, 9, 11][k] + r)),
  }));
}

const times = (n: number, step = DAY, start = JAN_2) => Array.from({ length: n }, (_, r) => new Date(start + r * step));

test('pandas-written Parquet (snappy and zstd) reads as its CSV would, in the zone pandas recorded', () => {
  const snappy = loadBars(path.join(FIXTURES, 'new_york_15min.parquet'));
  const zstd = loadBars(path.join(FIXTURES, 'new_york_15min_zstd.parquet'));
  assert.equal(snappy.timezone, 'America/New_York');
  assert.equal(snappy.length, 26 * 40);
  // 09:30 in New York is 14:30 UTC in winter and 13:30 UTC in summer time.
  assert.equal(snappy.time[0], Date.UTC(2024, 1, 26, 14, 30));
  const march11 = snappy.time.findIndex((t) => t >= Date.UTC(2024, 2, 11));
  assert.equal(snappy.time[march11], Date.UTC(2024, 2, 11, 13, 30));
  for (const key of ['time', 'open', 'high', 'low', 'close', 'volume'] as const) assert.deepEqual(zstd[key], snappy[key], key);
  assert.ok(snappy.volume.every((v) => Number.isInteger(v) && v > 0));
});

test('Parquet columns of any numeric type, any case and order, volume optional, other columns ignored', async () => {
  const file = await parquetFile('types.parquet', [
    { name: 'symbol', data: ['X', 'X', 'X'], type: 'STRING' },
    { name: 'close', data: [11, 12, 13], type: 'INT32' },
    { name: 'OPEN', data: [10.5, 11.5, 12.5], type: 'FLOAT' },
    { name: 'high', data: [14n, 15n, 16n], type: 'INT64' },
    { name: 'Low', data: [9, 10, 11], type: 'DOUBLE' },
    { name: 'timestamp', data: times(3), type: 'TIMESTAMP' },
  ]);
  const bars = loadBars(file);
  assert.deepEqual([...bars.time], [JAN_2, JAN_2 + DAY, JAN_2 + 2 * DAY]);
  assert.deepEqual([...bars.open], [10.5, 11.5, 12.5]);
  assert.deepEqual([...bars.high], [14, 15, 16]);
  assert.deepEqual([...bars.close], [11, 12, 13]);
  assert.ok(bars.volume.every(Number.isNaN));
  assert.equal(bars.timezone, undefined, 'no zone recorded: UTC');
  assert.equal(bars.source, file);
});

test('Parquet times without a zone, dates and ISO text are wall-clock times in data.timezone', async () => {
  const naive: SchemaElement = { name: 'Date', type: 'INT64', repetition_type: 'REQUIRED', logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: false, unit: 'MILLIS' } };
  const schema = (time: SchemaElement): SchemaElement[] => [
    { name: 'root', num_children: 5 },
    time,
    ...['Open', 'High', 'Low', 'Close'].map((name): SchemaElement => ({ name, type: 'DOUBLE', repetition_type: 'REQUIRED' })),
  ];
  const untyped = prices(2).map(({ name, data }) => ({ name, data }));
  const nineThirty = Date.UTC(2024, 6, 1, 9, 30);
  const wall = await parquetFile('naive.parquet', [{ name: 'Date', data: [BigInt(nineThirty), BigInt(nineThirty + 3_600_000)] }, ...untyped], { schema: schema(naive) });
  const inBerlin = loadBars(wall, { timezone: 'Europe/Berlin' });
  assert.deepEqual([...inBerlin.time], [Date.UTC(2024, 6, 1, 7, 30), Date.UTC(2024, 6, 1, 8, 30)], 'CEST is UTC+2');
  assert.equal(inBerlin.timezone, 'Europe/Berlin');
  assert.deepEqual([...loadBars(wall).time], [nineThirty, nineThirty + 3_600_000], 'UTC without a zone');

  const dates = await parquetFile('dates.parquet', [{ name: 'day', data: [19724, 19725] }, ...untyped], {
    schema: schema({ name: 'day', type: 'INT32', repetition_type: 'REQUIRED', logical_type: { type: 'DATE' } }),
  });
  assert.deepEqual([...loadBars(dates, { timezone: 'America/New_York' }).time], [JAN_2 + 5 * 3_600_000, JAN_2 + DAY + 5 * 3_600_000]);

  const text = await parquetFile('text.parquet', [{ name: 'Datetime', data: ['2024-01-02 09:30:00', '2024-01-02T10:30:00Z'], type: 'STRING' }, ...prices(2)]);
  assert.deepEqual([...loadBars(text, { timezone: 'Europe/Berlin' }).time], [Date.UTC(2024, 0, 2, 8, 30), Date.UTC(2024, 0, 2, 10, 30)]);
});

test('a zoned Parquet time column is converted to data.timezone, which wins over the zone in the file', () => {
  const file = path.join(FIXTURES, 'new_york_15min.parquet');
  const tokyo = loadBars(file, { timezone: 'Asia/Tokyo' });
  assert.equal(tokyo.timezone, 'Asia/Tokyo');
  assert.deepEqual(tokyo.time, loadBars(file).time, 'the same instants');
});

test('the time column is the one pandas named as its index, else the only timestamp, else one named like a time', async () => {
  const two = await parquetFile('two.parquet', [
    { name: 'updated', data: times(2, DAY, JAN_2 + 5000), type: 'TIMESTAMP' },
    { name: 'Date', data: times(2), type: 'TIMESTAMP' },
    ...prices(2),
  ]);
  assert.deepEqual([...loadBars(two).time], [JAN_2, JAN_2 + DAY]);
  const indexed = await parquetFile('index.parquet', [
    { name: 'updated', data: times(2, DAY, JAN_2 + 5000), type: 'TIMESTAMP' },
    { name: 'Date', data: times(2), type: 'TIMESTAMP' },
    ...prices(2),
  ], { kvMetadata: [{ key: 'pandas', value: JSON.stringify({ index_columns: ['updated'], columns: [] }) }] });
  assert.deepEqual([...loadBars(indexed).time], [JAN_2 + 5000, JAN_2 + DAY + 5000]);
});

test('every Parquet data error names the file, the row and its time, the column and the problem', async () => {
  const row = (r: number, column: string) => (c: string, i: number, v: number | null) => (c === column && i === r ? null : v);
  const cases: Array<[string, ColumnSource[], Array<string | RegExp>]> = [
    ['null.parquet', [{ name: 'Date', data: times(3), type: 'TIMESTAMP' }, ...prices(3, row(1, 'Close'))], ['row 2 (2024-01-03), column "Close"', 'missing (null or NaN)']],
    ['nan.parquet', [{ name: 'Date', data: times(3), type: 'TIMESTAMP' }, ...prices(3, (c, i, v) => (c === 'Open' && i === 2 ? NaN : v))], ['row 3 (2024-01-04), column "Open"', 'missing']],
    ['zero.parquet', [{ name: 'Date', data: times(3), type: 'TIMESTAMP' }, ...prices(3, (c, i, v) => (c === 'Low' && i === 0 ? 0 : v))], ['row 1 (2024-01-02), column "Low"', 'Low 0 is not a positive finite price']],
    ['hl.parquet', [{ name: 'Date', data: times(2), type: 'TIMESTAMP' }, ...prices(2, (c, i, v) => (c === 'High' && i === 1 ? 5 : v))], ['row 2 (2024-01-03), column "High"', 'High 5 is below Low 10']],
    ['dup.parquet', [{ name: 'Date', data: [...times(2), times(2)[1]], type: 'TIMESTAMP' }, ...prices(3)], ['row 3, column "Date"', "2024-01-03 repeats the previous row's time 2024-01-03"]],
    ['order.parquet', [{ name: 'Date', data: [...times(2)].reverse(), type: 'TIMESTAMP' }, ...prices(2)], ['row 2, column "Date"', 'is earlier than the previous row', 'strictly ascending']],
    ['notime.parquet', [{ name: 'Date', data: [null, ...times(1)], type: 'TIMESTAMP', nullable: true }, ...prices(2)], ['row 1, column "Date"', 'time is missing']],
    ['noclose.parquet', [{ name: 'Date', data: times(2), type: 'TIMESTAMP' }, ...prices(2).slice(0, 3)], ['no "Close" column', 'the file has "Date" (timestamp (UTC)), "Open" (double)']],
    ['textprice.parquet', [{ name: 'Date', data: times(2), type: 'TIMESTAMP' }, ...prices(2).slice(0, 3), { name: 'Close', data: ['1', '2'], type: 'STRING' }], ['column "Close" holds string, not numbers']],
    ['nodate.parquet', prices(2), ['no time column', '"Open" (double)']],
    ['badtext.parquet', [{ name: 'date', data: ['2024-01-02', 'soon'], type: 'STRING' }, ...prices(2)], ['row 2, column "date"', '"soon" is not an ISO date']],
  ];
  for (const [name, columns, parts] of cases) {
    const file = await parquetFile(name, columns);
    assertInputError(() => loadBars(file), file, ...parts);
  }
  const empty = await parquetFile('empty.parquet', [{ name: 'Date', data: [], type: 'TIMESTAMP' }, ...prices(0)]);
  assertInputError(() => loadBars(empty), empty, 'no rows');
});

test('a file named .parquet that is not Parquet, and a Parquet file named otherwise, say what they are', async () => {
  const fake = path.join(dir, 'fake.parquet');
  fs.writeFileSync(fake, 'Date,Open,High,Low,Close\n2024-01-02,1,2,0.5,1\n');
  assertInputError(() => loadBars(fake), fake, 'not a readable Parquet file');
  const real = await parquetFile('real.bin', [{ name: 'Date', data: times(2), type: 'TIMESTAMP' }, ...prices(2)]);
  assert.equal(loadBars(real).length, 2, 'recognised by its first bytes');
  assert.throws(() => loadCsv(real), InputError, 'loadCsv reads CSV only');
});
