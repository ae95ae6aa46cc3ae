import fc from 'fast-check';
import { formatCsv, generateBars } from '../../backtest';
import type { Expectation } from './types';

/** A data file's text (or raw bytes) and whether the loader must accept it. */
export interface CsvInput {
  text: string;
  bytes?: number[];
  bars: number;
  expect: Expectation;
  note: string;
}

const baseSettings = fc.record({
  seed: fc.integer({ min: 0, max: 1000 }),
  bars: fc.oneof({ weight: 5, arbitrary: fc.integer({ min: 2, max: 400 }) }, { weight: 1, arbitrary: fc.integer({ min: 400, max: 1500 }) }),
  interval: fc.constantFrom('1d' as const, '1h' as const),
  weekends: fc.boolean(),
});

/** Valid OHLCV text as the project writes it (generated GBM bars through formatCsv). */
export const validCsv: fc.Arbitrary<CsvInput> = baseSettings.map(({ seed, bars, interval, weekends }) => {
  const generated = generateBars({ seed, bars, interval, weekends, start: '2015-01-05', mu: 0.1, sigma: 0.3, startPrice: 100 });
  return { text: formatCsv(generated), bars, expect: 'ok', note: `csv: ${bars} ${interval} bars` };
});

type Rows = { header: string[]; rows: string[][] };

function toRows(text: string): Rows {
  const lines = text.trimEnd().split('\n').map((l) => l.split(','));
  return { header: lines[0], rows: lines.slice(1) };
}

function fromRows({ header, rows }: Rows): string {
  return [header, ...rows].map((r) => r.join(',')).join('\n') + '\n';
}

/** Column index by header name in formatCsv's layout. */
const COL = { date: 0, open: 1, high: 2, low: 3, close: 4, volume: 5 } as const;
type PriceColumn = 'open' | 'high' | 'low' | 'close';
const priceColumn = fc.constantFrom<PriceColumn>('open', 'high', 'low', 'close');

interface Mutation {
  note: string;
  expect: Expectation;
  apply(input: Rows, text: string): string;
}

/** A row-level edit; a file without rows (after an earlier mutation) stays as it is. */
const mapRows = (fn: (r: Rows) => void) => (input: Rows, text: string) => {
  if (input.rows.length === 0) return text;
  const copy = { header: [...input.header], rows: input.rows.map((r) => [...r]) };
  fn(copy);
  return fromRows(copy);
};

const at = (rows: unknown[], index: number) => index % rows.length;

const badDate = fc.constantFrom('2020-02-30', '2020-13-01', '31/01/2020', 'yesterday', '', '2020-1-1', '20200101', '2020-01-01T25:00', '0000-00-00', '9999-99-99', 'NaN', '2020-01-01\u0000');
const badPrice = fc.constantFrom('0', '-1', '-0', '0.0', 'NaN', 'nan', 'inf', 'Infinity', '-Infinity', '', 'abc', '1e400', '1e-400', '0x10', '1_000', '  ', '$100', '1.2.3');
const huge = fc.constantFrom('1e300', '1.7976931348623157e308', '99999999999999999999999999', '123456789012345.678');
const garbage = fc.uint8Array({ minLength: 1, maxLength: 300 }).map((a) => [...a]);
const junkText = fc.string({ unit: 'binary', maxLength: 60 });

/** Mutations of a valid file, each with what the loader must make of it. */
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  priceColumn.map((col) => ({
    note: `no ${col} column`,
    expect: 'error' as const,
    apply: mapRows((r) => {
      r.header.splice(COL[col], 1);
      r.rows.forEach((row) => row.splice(COL[col], 1));
    }),
  })),
  fc.constant<Mutation>({ note: 'no volume column', expect: 'ok', apply: mapRows((r) => [r.header, ...r.rows].forEach((row) => row.pop())) }),
  fc.constant<Mutation>({
    note: 'extra column',
    expect: 'ok',
    apply: mapRows((r) => {
      r.header.push('Adj Close');
      r.rows.forEach((row) => row.push(row[COL.close]));
    }),
  }),
  fc.constant<Mutation>({
    note: 'price columns reordered',
    expect: 'ok',
    apply: mapRows((r) => [r.header, ...r.rows].forEach((row) => row.splice(1, 4, row[4], row[3], row[2], row[1]))),
  }),
  fc.constant<Mutation>({ note: 'lower-case header', expect: 'ok', apply: mapRows((r) => (r.header = r.header.map((h) => h.toLowerCase()))) }),
  fc.constant<Mutation>({ note: 'unnamed date column', expect: 'ok', apply: mapRows((r) => (r.header[0] = '')) }),
  fc.tuple(fc.nat(), badDate).map(([i, d]) => ({
    note: `bad date ${JSON.stringify(d)}`,
    expect: 'error' as const,
    apply: mapRows((r) => (r.rows[at(r.rows, i)][0] = d)),
  })),
  fc.nat().map((i) => ({
    note: 'rows out of order',
    expect: 'error' as const,
    apply: (input: Rows, text: string) => {
      if (input.rows.length < 2) return text;
      return mapRows((r) => {
        const k = i % (r.rows.length - 1);
        [r.rows[k], r.rows[k + 1]] = [r.rows[k + 1], r.rows[k]];
      })(input, text);
    },
  })),
  fc.nat().map((i) => ({ note: 'a repeated row', expect: 'error' as const, apply: mapRows((r) => r.rows.splice(at(r.rows, i), 0, [...r.rows[at(r.rows, i)]])) })),
  fc.tuple(fc.nat(), priceColumn, badPrice).map(([i, col, p]) => ({
    note: `${col} ${JSON.stringify(p)}`,
    expect: 'error' as const,
    apply: mapRows((r) => (r.rows[at(r.rows, i)][COL[col]] = p)),
  })),
  fc.tuple(fc.nat(), huge).map(([i, p]) => ({
    note: `prices ${p}`,
    expect: 'ok' as const,
    apply: mapRows((r) => r.rows[at(r.rows, i)].splice(1, 4, p, p, p, p)),
  })),
  fc.nat().map((i) => ({
    note: 'High below Low',
    expect: 'error' as const,
    apply: mapRows((r) => {
      const row = r.rows[at(r.rows, i)];
      // Opens and closes at the extremes keep the row otherwise valid, so only High < Low is wrong.
      const [high, low] = [row[COL.high], row[COL.low]];
      if (Number(high) === Number(low)) row[COL.high] = String(Number(low) / 2);
      else [row[COL.high], row[COL.low]] = [low, high];
    }),
  })),
  fc.constantFrom<Mutation>(
    { note: 'empty file', expect: 'error', apply: () => '' },
    { note: 'blank lines only', expect: 'error', apply: () => '\n \n\t\n' },
    { note: 'header only', expect: 'error', apply: (r) => `${r.header.join(',')}\n` },
    { note: 'one bar', expect: 'error', apply: mapRows((r) => r.rows.splice(1)) },
    { note: 'BOM', expect: 'ok', apply: (_, text) => `\uFEFF${text}` },
    { note: 'CRLF', expect: 'ok', apply: (_, text) => text.replace(/\n/g, '\r\n') },
    { note: 'quoted fields', expect: 'ok', apply: mapRows((r) => [r.header, ...r.rows].forEach((row, k, all) => (all[k] = row.map((f) => `"${f}"`)))) },
    { note: 'blank lines between rows', expect: 'ok', apply: (_, text) => text.replace(/\n/g, '\n\n') },
    { note: 'no final newline', expect: 'ok', apply: (_, text) => text.trimEnd() },
    { note: 'tab separated', expect: 'error', apply: (_, text) => text.replace(/,/g, '\t') },
    { note: 'semicolon separated', expect: 'error', apply: (_, text) => text.replace(/,/g, ';') },
    { note: 'time-zone offsets', expect: 'ok', apply: mapRows((r) => r.rows.forEach((row) => (row[0] = `${row[0].replace(' ', 'T')}+02:00`))) },
  ),
  fc.tuple(fc.nat(), fc.boolean()).map(([i, extra]) => ({
    note: extra ? 'a row with an extra field' : 'a row with a missing field',
    expect: 'error' as const,
    apply: mapRows((r) => {
      const row = r.rows[at(r.rows, i)];
      if (extra) row.push('1');
      else row.pop();
    }),
  })),
  fc.tuple(fc.nat(), junkText).map(([i, junk]) => ({
    note: `junk row ${JSON.stringify(junk)}`,
    expect: 'any' as const,
    apply: mapRows((r) => r.rows.splice(at(r.rows, i), 0, [junk])),
  })),
  fc.tuple(fc.nat(), junkText).map(([i, junk]) => ({
    note: `junk field ${JSON.stringify(junk)}`,
    expect: 'any' as const,
    apply: mapRows((r) => (r.rows[at(r.rows, i)][1 + (i % 5)] = junk)),
  })),
  fc.nat().map((i) => ({ note: 'truncated', expect: 'any' as const, apply: (_: Rows, text: string) => text.slice(0, i % (text.length + 1)) })),
);

/** A valid file after one to three mutations; the verdict is that of the first mutation that must fail. */
export const mutatedCsv: fc.Arbitrary<CsvInput> = fc.tuple(validCsv, fc.array(mutation, { minLength: 1, maxLength: 3 })).map(([base, mutations]) => {
  let text = base.text;
  const expects: Expectation[] = [];
  for (const m of mutations) {
    text = m.apply(toRows(text.replace(/\r/g, '').replace(/^\uFEFF/, '')), text);
    expects.push(m.expect);
  }
  // A later mutation can undo an earlier one (drop the bad row, truncate it away), so only one says for sure.
  const expect: Expectation = mutations.length === 1 ? expects[0] : 'any';
  return { text, bars: base.bars, expect, note: `${base.note}; ${mutations.map((m) => m.note).join(', ')}` };
});

/** Not a CSV at all: random bytes. */
export const garbageCsv: fc.Arbitrary<CsvInput> = garbage.map((bytes) => ({ text: '', bytes, bars: 0, expect: 'any' as const, note: `csv: ${bytes.length} random bytes` }));

/** Data files the loader has to judge: mutated valid files and random bytes. */
export const brokenCsv: fc.Arbitrary<CsvInput> = fc.oneof({ weight: 5, arbitrary: mutatedCsv }, { weight: 1, arbitrary: garbageCsv });
