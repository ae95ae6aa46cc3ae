import fs from 'node:fs';
import { InputError } from '../errors';
import { DAY_MS, formatIsoTime, parseIsoTime, parseIsoWallTime } from './dates';
import { readParquetBarColumns } from './parquet';
import { parseTimeframe, resampleBars } from './resample';
import type { Bars } from './types';
import { formatZonedTime, instantsAt, offsetName, timeZone, UTC, type TimeZone } from './zones';

const PRICE_COLUMNS = ['open', 'high', 'low', 'close'] as const;
const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const PARQUET_MAGIC = 'PAR1';

/** How a data file's rows become the bars a backtest sees. */
export interface DataOptions {
  /**
   * The zone of the data (`Europe/Berlin`, `UTC`, `+05:30`): times without an offset are read in it, times with
   * one are converted to it, and the days of the daily statistics and of resampling are its days. Without it, the
   * file's own zone (a Parquet time column pandas wrote with a zone, or one offset shared by every CSV time),
   * else UTC.
   */
  timezone?: string;
  /** Resample to bars of this length (`15min`, `4h`, `1d`, `1w`; see `resampleBars`); the file's bars without it. */
  timeframe?: string;
}

/**
 * Reads the bars of a data file, CSV or Parquet (a `.parquet` or `.pq` name, or a file that starts as Parquet
 * files do), in the zone and at the timeframe `options` give. The one loader of data files: configuration
 * checks, trials, walk-forward splits and `tuneflow backtest` all see the same bars.
 *
 * @throws InputError naming the file, the row (CSV: line and column) and what is wrong; see {@link loadCsv}.
 * @example
 * const bars = loadBars('prices.parquet', { timezone: 'America/New_York', timeframe: '4h' });
 */
export function loadBars(file: string, options: DataOptions = {}): Bars {
  const timeframe = options.timeframe === undefined ? undefined : parseTimeframe(options.timeframe);
  const bars = isParquetFile(file) ? loadParquet(file, options.timezone) : loadCsv(file, options.timezone);
  return timeframe ? resampleBars(bars, timeframe) : bars;
}

/**
 * Reads OHLCV bars from a CSV file: a header naming Open, High, Low, Close and optionally Volume (any case,
 * any order, other columns ignored) after a first column of ISO dates or date-times, which may be unnamed
 * (`,Open,High,...` as pandas writes it). Times with an offset (`Z`, `-05:00`) are instants; times without one
 * are wall-clock times in `timezone` (UTC without one). In a zone, a time the clocks skip is an error and one they
 * repeat is its first instant, or its second when the row before is already at or past the first, so rows through
 * the night the clocks go back read in order.
 *
 * @throws InputError naming the file, line and column: unreadable or empty file, missing columns, values that
 *   are not numbers or dates, prices that are not positive and finite, times out of order or repeated, High below Low.
 * @example
 * const bars = loadCsv('data/sample_daily.csv');
 */
export function loadCsv(file: string, timezone?: string): Bars {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new InputError(`${file}: cannot read the data file (${(err as NodeJS.ErrnoException).code ?? String(err)}).`);
  }
  return parseCsv(text, file, timezone);
}

/** {@link loadCsv} on text already in memory; `source` names it in messages. */
export function parseCsv(text: string, source: string, timezone?: string): Bars {
  const zone = timezone === undefined ? undefined : timeZone(timezone);
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
  // The offset every time was written with, while they all share one: the file's own zone, as pandas reads it.
  let sharedOffset: number | null | undefined;
  let r = 0;
  for (let i = headerIndex + 1; i < lines.length; i++) {
    if (lines[i].trim() === '') continue;
    const fields = splitFields(lines[i]);
    if (fields.length !== header.length) {
      throw new InputError(`${source}, line ${i + 1}: expected ${header.length} fields as in the header, found ${fields.length}.`);
    }
    const written = parseIsoWallTime(fields[0]);
    if (!written) throw new InputError(`${where(i, 0)}: "${fields[0]}" is not an ISO date or date-time (e.g. 2020-01-31 or 2020-01-31 15:30:00).`);
    const previous = r > 0 ? time[r - 1] : -Infinity;
    const offset = written.offsetMs;
    sharedOffset = offset !== null && (sharedOffset === undefined || sharedOffset === offset) ? offset : null;
    const t = offset !== null ? written.wallMs - offset : zone ? wallInstant(zone, written.wallMs, previous, () => `${where(i, 0)}: ${fields[0]}`) : written.wallMs;
    const disorder = orderProblem(t, previous, zone ?? UTC);
    if (disorder) {
      // A local hour repeated when clocks go back reads as a repeat in UTC: say what reads it in order.
      const hint = offset === null && !zone ? ' If the times are local, name their zone with `data.timezone` (or --timezone).' : '';
      throw new InputError(`${where(i, 0)}: ${fields[0]} ${disorder}${hint}`);
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
  const own = zone ?? (typeof sharedOffset === 'number' ? timeZone(offsetName(sharedOffset)) : UTC);
  return { time, open, high, low, close, volume, length: rows, source, ...zoneField(own) };
}

/**
 * Bars from a Parquet file's columns (see `readParquetColumns` for which), checked as CSV rows are, each problem
 * named by its row (1 for the first row of data) and time. Timestamps adjusted to UTC are instants; timestamps
 * without a zone, dates and ISO text without an offset are wall-clock times in the zone.
 */
function loadParquet(file: string, timezone: string | undefined): Bars {
  const columns = readParquetBarColumns(file);
  const zone = timezone !== undefined ? timeZone(timezone) : columns.zone !== null ? fileZone(file, columns.zone) : UTC;
  const n = columns.rows;
  if (n === 0) throw new InputError(`${file}: the file has no rows of data.`);
  const { time: times } = columns;
  const prices = [columns.open, columns.high, columns.low, columns.close];
  const time = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    // Messages are built only for the row that has a problem: a million rows should cost no strings.
    const row = () => `${file}, row ${r + 1}`;
    const previous = r > 0 ? time[r - 1] : -Infinity;
    let t: number;
    if (times.kind === 'text') {
      const text = times.texts[r];
      const written = text === null ? null : parseIsoWallTime(text);
      if (text === null) throw new InputError(`${row()}, column "${times.name}": the time is missing (null).`);
      if (!written) throw new InputError(`${row()}, column "${times.name}": "${text}" is not an ISO date or date-time (e.g. 2020-01-31 or 2020-01-31 15:30:00).`);
      t = written.offsetMs !== null ? written.wallMs - written.offsetMs : wallInstant(zone, written.wallMs, previous, () => `${row()}, column "${times.name}": ${text}`);
    } else {
      const v = times.values[r];
      if (Number.isNaN(v)) throw new InputError(`${row()}, column "${times.name}": the time is missing (null).`);
      t = times.kind === 'instant' ? v : wallInstant(zone, v, previous, () => `${row()}, column "${times.name}": ${formatIsoTime(v)}`);
    }
    const disorder = orderProblem(t, previous, zone);
    if (disorder) throw new InputError(`${row()}, column "${times.name}": ${formatZonedTime(t, zone)} ${disorder}`);
    time[r] = t;
    const at = () => `${row()} (${formatZonedTime(t, zone)})`;
    for (const column of prices) {
      const v = column.values[r];
      if (Number.isNaN(v)) {
        throw new InputError(`${at()}, column "${column.name}": the price is missing (null or NaN); every bar needs its open, high, low and close: drop the row or fill it in.`);
      }
      if (!(v > 0 && v < Infinity)) throw new InputError(`${at()}, column "${column.name}": ${column.name} ${v} is not a positive finite price.`);
    }
    if (columns.high.values[r] < columns.low.values[r]) {
      throw new InputError(`${at()}, column "${columns.high.name}": ${columns.high.name} ${columns.high.values[r]} is below ${columns.low.name} ${columns.low.values[r]}.`);
    }
  }
  return {
    time,
    open: columns.open.values,
    high: columns.high.values,
    low: columns.low.values,
    close: columns.close.values,
    volume: columns.volume ? columns.volume.values : new Float64Array(n).fill(NaN),
    length: n,
    source: file,
    ...zoneField(zone),
  };
}

/** The zone pandas recorded in a Parquet file. */
function fileZone(file: string, name: string): TimeZone {
  try {
    return timeZone(name);
  } catch {
    throw new InputError(`${file}: the time column's zone "${name}" (from pandas' metadata) is not one tuneflow knows; name the data's zone with \`data.timezone\` (or --timezone).`);
  }
}

/** The instant a wall-clock time in `zone` stands for; see {@link loadCsv} for the hours clocks skip or repeat. */
function wallInstant(zone: TimeZone, wallMs: number, previous: number, what: () => string): number {
  const instants = instantsAt(zone, wallMs);
  if (instants.length === 0) {
    throw new InputError(
      `${what()} does not exist in ${zone.name}: the clocks skip that hour when they go forward. ` +
        'Write the time with its offset (e.g. +01:00), or check the zone the file was written in.',
    );
  }
  return instants.length === 2 && instants[0] <= previous ? instants[1] : instants[0];
}

/** Why a row's time cannot follow the previous row's, or null. */
function orderProblem(t: number, previous: number, zone: TimeZone): string | null {
  if (t > previous) return null;
  const what = t === previous ? "repeats the previous row's time" : "is earlier than the previous row's";
  return `${what} ${formatZonedTime(previous, zone)}; rows must be in strictly ascending time.`;
}

/** `timezone` for bars in a zone other than UTC; bars in UTC carry none, as they always have. */
function zoneField(zone: TimeZone): { timezone?: string } {
  return zone === UTC ? {} : { timezone: zone.name };
}

function isParquetFile(file: string): boolean {
  if (/\.(parquet|pq)$/i.test(file)) return true;
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    const head = Buffer.alloc(PARQUET_MAGIC.length);
    return fs.readSync(fd, head, 0, head.length, 0) === head.length && head.toString('latin1') === PARQUET_MAGIC;
  } catch {
    // The CSV reader names the file and why it cannot be read.
    return false;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
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
    ...(bars.timezone ? { timezone: bars.timezone } : {}),
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
