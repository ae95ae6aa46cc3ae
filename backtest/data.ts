import fs from 'node:fs';
import { InputError } from '../errors';
import { DAY_MS, formatIsoTime, parseIsoTime } from './dates';
import type { Bars } from './types';

const PRICE_COLUMNS = ['open', 'high', 'low', 'close'] as const;
const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * Reads OHLCV bars from a CSV file: a header naming Open, High, Low, Close and optionally Volume (any case,
 * any order, other columns ignored) after a first column of ISO dates or date-times, which may be unnamed
 * (`,Open,High,...` as pandas writes it). Times without an offset are UTC.
 *
 * @throws InputError naming the file, line and column: unreadable or empty file, missing columns, values that
 *   are not numbers or dates, prices that are not positive and finite, times out of order or repeated, High below Low.
 * @example
 * const bars = loadCsv('data/sample_daily.csv');
 */
export function loadCsv(path: string): Bars {
  let text: string;
  try {
    text = fs.readFileSync(path, 'utf8');
  } catch (err) {
    throw new InputError(`${path}: cannot read the data file (${(err as NodeJS.ErrnoException).code ?? String(err)}).`);
  }
  return parseCsv(text, path);
}

/** {@link loadCsv} on text already in memory; `source` names it in messages. */
export function parseCsv(text: string, source: string): Bars {
  const lines = text.replace(/^\uFEFF/, '').split('\n');
  const headerIndex = lines.findIndex((l) => l.trim() !== '');
  if (headerIndex < 0) throw new InputError(`${source}: the file is empty; expected a header such as "Date,Open,High,Low,Close,Volume".`);
  const header = splitFields(lines[headerIndex]);
  const where = (line: number, col: number) => `${source}, line ${line + 1}, column ${col + 1} (${header[col] || 'date'})`;

  const lower = header.map((h) => h.toLowerCase());
  if (PRICE_COLUMNS.includes(lower[0] as (typeof PRICE_COLUMNS)[number]) || lower[0] === 'volume') {
    throw new InputError(`${source}, line ${headerIndex + 1}, column 1: the first column must hold dates or date-times, found "${header[0]}".`);
  }
  const priceCols = PRICE_COLUMNS.map((name) => {
    const col = lower.indexOf(name);
    if (col < 0) {
      const wanted = name[0].toUpperCase() + name.slice(1);
      throw new InputError(`${source}, line ${headerIndex + 1}: no "${wanted}" column; the header has ${header.map((h) => `"${h}"`).join(', ')}.`);
    }
    return col;
  });
  const volumeCol = lower.indexOf('volume');

  let rows = 0;
  for (let i = headerIndex + 1; i < lines.length; i++) if (lines[i].trim() !== '') rows++;
  if (rows === 0) throw new InputError(`${source}, line ${headerIndex + 2}: no data rows after the header.`);

  const time = new Float64Array(rows);
  const columns = [new Float64Array(rows), new Float64Array(rows), new Float64Array(rows), new Float64Array(rows)];
  const volume = new Float64Array(rows);
  let r = 0;
  for (let i = headerIndex + 1; i < lines.length; i++) {
    if (lines[i].trim() === '') continue;
    const fields = splitFields(lines[i]);
    if (fields.length !== header.length) {
      throw new InputError(`${source}, line ${i + 1}: expected ${header.length} fields as in the header, found ${fields.length}.`);
    }
    const t = parseIsoTime(fields[0]);
    if (Number.isNaN(t)) throw new InputError(`${where(i, 0)}: "${fields[0]}" is not an ISO date or date-time (e.g. 2020-01-31 or 2020-01-31 15:30:00).`);
    if (r > 0 && t <= time[r - 1]) {
      const what = t === time[r - 1] ? 'repeats the previous row\'s time' : 'is earlier than the previous row\'s';
      throw new InputError(`${where(i, 0)}: ${fields[0]} ${what} ${formatIsoTime(time[r - 1])}; rows must be in strictly ascending time.`);
    }
    time[r] = t;
    for (let k = 0; k < 4; k++) {
      columns[k][r] = parseNumber(fields[priceCols[k]], () => where(i, priceCols[k]), false);
      // Returns, position sizes and log-scaled charts all divide by prices; a number past 1.8e308 reads as Infinity.
      if (!(columns[k][r] > 0 && columns[k][r] < Infinity)) {
        throw new InputError(`${where(i, priceCols[k])}: ${header[priceCols[k]]} ${fields[priceCols[k]]} is not a positive finite price.`);
      }
    }
    volume[r] = volumeCol < 0 ? NaN : parseNumber(fields[volumeCol], () => where(i, volumeCol), true);
    if (columns[1][r] < columns[2][r]) {
      throw new InputError(`${where(i, priceCols[1])}: High ${columns[1][r]} is below Low ${columns[2][r]}.`);
    }
    r++;
  }
  const [open, high, low, close] = columns;
  return { time, open, high, low, close, volume, length: rows, source };
}

/**
 * The bars in `[from, to)`, sharing the parent's buffers (no copy). Bounds are bar indexes when numbers,
 * times when ISO strings or Dates; `to` is exclusive either way so that adjacent windows never overlap.
 *
 * @throws InputError for an unparsable date or an empty window.
 * @example
 * const inSample = sliceBars(bars, '2010-01-01', '2012-01-01');
 * const lastYear = sliceBars(bars, bars.length - 252, bars.length);
 */
export function sliceBars(bars: Bars, from: number | string | Date, to: number | string | Date): Bars {
  const start = boundIndex(bars, from);
  const end = boundIndex(bars, to);
  if (end <= start) throw new InputError(`${bars.source}: no bars between ${String(from)} and ${String(to)}.`);
  return {
    time: bars.time.subarray(start, end),
    open: bars.open.subarray(start, end),
    high: bars.high.subarray(start, end),
    low: bars.low.subarray(start, end),
    close: bars.close.subarray(start, end),
    volume: bars.volume.subarray(start, end),
    length: end - start,
    source: bars.source,
  };
}

/**
 * The bars as CSV text in the form {@link loadCsv} reads, with prices as the shortest exact decimals and one
 * time format for all rows (dates when every bar is at midnight UTC), so that pandas parses the column too.
 */
export function formatCsv(bars: Bars): string {
  const out = ['Date,Open,High,Low,Close,Volume'];
  const dateOnly = bars.time.every((t) => t % DAY_MS === 0);
  for (let i = 0; i < bars.length; i++) {
    const v = bars.volume[i];
    out.push(`${formatIsoTime(bars.time[i], dateOnly)},${bars.open[i]},${bars.high[i]},${bars.low[i]},${bars.close[i]},${Number.isNaN(v) ? '' : v}`);
  }
  return out.join('\n') + '\n';
}

function boundIndex(bars: Bars, bound: number | string | Date): number {
  if (typeof bound === 'number') return Math.min(Math.max(Math.trunc(bound), 0), bars.length);
  const t = bound instanceof Date ? bound.getTime() : parseIsoTime(bound);
  if (Number.isNaN(t)) throw new InputError(`"${String(bound)}" is not an ISO date or date-time.`);
  let lo = 0, hi = bars.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (bars.time[mid] < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function splitFields(line: string): string[] {
  return line.replace(/\r$/, '').split(',').map((f) => {
    const t = f.trim();
    return t.length >= 2 && t[0] === '"' && t[t.length - 1] === '"' ? t.slice(1, -1) : t;
  });
}

function parseNumber(text: string, where: () => string, emptyIsNaN: boolean): number {
  if (text === '' && emptyIsNaN) return NaN;
  if (!NUMBER.test(text)) throw new InputError(`${where()}: ${text === '' ? 'the value is empty' : `"${text}" is not a number`}.`);
  return Number(text);
}
