import fs from 'node:fs';
import type { SchemaElement } from 'hyparquet';

/** A column of numbers, NaN where the file has a null. */
export interface NumberColumn {
  name: string;
  values: Float64Array;
}

/**
 * The times of a Parquet file's bars: `instant` holds epoch milliseconds (timestamps adjusted to UTC), `wall`
 * wall-clock times as milliseconds of a UTC clock (timestamps without a zone, dates), `text` ISO strings; NaN or
 * null where the file has a null.
 */
export type TimeColumn =
  | { name: string; kind: 'instant' | 'wall'; values: Float64Array }
  | { name: string; kind: 'text'; texts: Array<string | null> };

/** What a Parquet file holds for bars, before times are placed in a zone and rows are checked. */
export interface ParquetBarColumns {
  rows: number;
  time: TimeColumn;
  /** The zone pandas recorded for a time column with one (pandas' metadata in the file), else null. */
  zone: string | null;
  open: NumberColumn;
  high: NumberColumn;
  low: NumberColumn;
  close: NumberColumn;
  volume: NumberColumn | null;
}

/** What the reading thread answers: the columns, or why the file has none usable (without the file's name). */
export type ParquetReply = { columns: ParquetBarColumns } | { problem: string };

type ColumnKind = 'instant' | 'wall' | 'text' | 'number' | 'other';

const TIME_NAMES = ['date', 'datetime', 'time', 'timestamp'];
const PRICE_NAMES = ['open', 'high', 'low', 'close'] as const;

/**
 * Reads the columns bars need from a Parquet file (any codec hyparquet and hyparquet-compressors decode). The
 * time column is the index pandas recorded, else the only timestamp or date column, else one of several named
 * Date, Datetime, Time or Timestamp (any case), which may also hold ISO text; prices are Open, High, Low, Close
 * and optionally Volume, any case, of any numeric type.
 */
export async function readParquetColumns(file: string): Promise<ParquetReply> {
  const { parquetMetadata, parquetRead } = await import('hyparquet');
  const { compressors } = await import('hyparquet-compressors');
  const bytes = fs.readFileSync(file);
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  let metadata;
  try {
    metadata = parquetMetadata(buffer);
  } catch (err) {
    return { problem: `not a readable Parquet file (${(err as Error).message})` };
  }
  // Top-level columns only: bars are flat, and nested groups cannot be prices.
  const top: SchemaElement[] = [];
  for (let i = 1, skip = 0; i < metadata.schema.length; i++) {
    const element = metadata.schema[i];
    if (skip > 0) {
      skip += (element.num_children ?? 0) - 1;
      continue;
    }
    top.push(element);
    skip = element.num_children ?? 0;
  }
  const pandas = pandasMetadata(metadata.key_value_metadata);
  const described = () => top.map((e) => `"${e.name}" (${typeName(e)})`).join(', ');

  const time = chooseTimeColumn(top, pandas.index);
  if (typeof time === 'string') return { problem: `${time}; the file has ${described()}` };
  const wanted: Record<string, SchemaElement> = {};
  for (const name of [...PRICE_NAMES, 'volume']) {
    const element = top.find((e) => e.name.toLowerCase() === name);
    if (!element) {
      if (name === 'volume') continue;
      return { problem: `no "${name[0].toUpperCase()}${name.slice(1)}" column; the file has ${described()}` };
    }
    if (kindOf(element) !== 'number') return { problem: `column "${element.name}" holds ${typeName(element)}, not numbers` };
    wanted[name] = element;
  }

  const rows = Number(metadata.num_rows);
  const columns = [time, ...Object.values(wanted)].map((e) => e.name);
  const chunks = new Map<string, Array<{ start: number; data: ArrayLike<unknown> }>>();
  try {
    await parquetRead({
      file: buffer,
      metadata,
      columns,
      compressors,
      parsers: {
        timestampFromMilliseconds: (v: bigint) => Number(v),
        // Bars keep milliseconds, as the CSV reader does.
        timestampFromMicroseconds: (v: bigint) => Number(v / 1_000n),
        timestampFromNanoseconds: (v: bigint) => Number(v / 1_000_000n),
        dateFromDays: (days: number) => days * 86_400_000,
      },
      onChunk: ({ columnName, columnData, rowStart }) => {
        const list = chunks.get(columnName) ?? [];
        list.push({ start: rowStart, data: columnData });
        chunks.set(columnName, list);
      },
    });
  } catch (err) {
    return { problem: `cannot be read as Parquet (${(err as Error).message})` };
  }

  const numbers = (element: SchemaElement): NumberColumn => {
    const values = new Float64Array(rows).fill(NaN);
    for (const { start, data } of chunks.get(element.name) ?? []) {
      for (let i = 0; i < data.length && start + i < rows; i++) {
        const v = data[i];
        values[start + i] = typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : NaN;
      }
    }
    return { name: element.name, values };
  };
  const timeKind = kindOf(time);
  let timeColumn: TimeColumn;
  if (timeKind === 'text') {
    const texts = new Array<string | null>(rows).fill(null);
    for (const { start, data } of chunks.get(time.name) ?? []) {
      for (let i = 0; i < data.length && start + i < rows; i++) texts[start + i] = typeof data[i] === 'string' ? (data[i] as string) : null;
    }
    timeColumn = { name: time.name, kind: 'text', texts };
  } else {
    const values = numbers(time).values;
    // hyparquet turns dates into times by their converted type only; a date with just the logical type stays days.
    if (time.logical_type?.type === 'DATE' && time.converted_type !== 'DATE') for (let i = 0; i < rows; i++) values[i] *= 86_400_000;
    timeColumn = { name: time.name, kind: timeKind === 'instant' ? 'instant' : 'wall', values };
  }
  return {
    columns: {
      rows,
      time: timeColumn,
      zone: pandas.zones.get(time.name) ?? null,
      open: numbers(wanted.open),
      high: numbers(wanted.high),
      low: numbers(wanted.low),
      close: numbers(wanted.close),
      volume: wanted.volume ? numbers(wanted.volume) : null,
    },
  };
}

/** The time column, or why there is none. */
function chooseTimeColumn(top: SchemaElement[], pandasIndex: string[]): SchemaElement | string {
  const isTime = (e: SchemaElement) => ['instant', 'wall'].includes(kindOf(e));
  const named = (e: SchemaElement) => TIME_NAMES.includes(e.name.toLowerCase());
  const index = top.find((e) => pandasIndex.includes(e.name) && (isTime(e) || (kindOf(e) === 'text' && named(e))));
  if (index) return index;
  const times = top.filter(isTime);
  if (times.length === 1) return times[0];
  const byName = times.filter(named);
  if (byName.length === 1) return byName[0];
  if (times.length > 1) return `several timestamp columns (${times.map((e) => `"${e.name}"`).join(', ')}) and none is the only one named Date, Datetime, Time or Timestamp`;
  const texts = top.filter((e) => kindOf(e) === 'text' && named(e));
  if (texts.length === 1) return texts[0];
  return 'no time column: expected a column of Parquet timestamps or dates, or of ISO text named Date, Datetime, Time or Timestamp';
}

function kindOf(e: SchemaElement): ColumnKind {
  if ((e.num_children ?? 0) > 0) return 'other';
  const logical = e.logical_type;
  if (logical?.type === 'TIMESTAMP') return logical.isAdjustedToUTC ? 'instant' : 'wall';
  // Legacy converted types without a logical type are adjusted to UTC (the Parquet format's rule for them).
  if (!logical && (e.converted_type === 'TIMESTAMP_MILLIS' || e.converted_type === 'TIMESTAMP_MICROS')) return 'instant';
  // INT96 (Spark, Impala) carries no zone; pandas reads it as naive.
  if (logical?.type === 'DATE' || e.converted_type === 'DATE' || (e.type === 'INT96' && !e.converted_type)) return 'wall';
  if (logical?.type === 'STRING' || e.converted_type === 'UTF8') return 'text';
  if (logical?.type === 'DECIMAL' || e.converted_type === 'DECIMAL') return 'number';
  if (logical && logical.type !== 'INTEGER') return 'other';
  return e.type === 'DOUBLE' || e.type === 'FLOAT' || e.type === 'INT32' || e.type === 'INT64' ? 'number' : 'other';
}

function typeName(e: SchemaElement): string {
  const kind = kindOf(e);
  if (kind === 'instant') return 'timestamp (UTC)';
  if (kind === 'wall') return e.logical_type?.type === 'DATE' || e.converted_type === 'DATE' ? 'date' : 'timestamp';
  if (kind === 'text') return 'string';
  if ((e.num_children ?? 0) > 0) return 'a group';
  return (e.logical_type?.type ?? e.converted_type ?? e.type ?? 'unknown').toLowerCase();
}

/** The index columns and column time zones pandas (through pyarrow) records in a file's metadata. */
function pandasMetadata(keyValues: Array<{ key: string; value?: string }> | undefined): { index: string[]; zones: Map<string, string> } {
  const zones = new Map<string, string>();
  const text = keyValues?.find((kv) => kv.key === 'pandas')?.value;
  if (!text) return { index: [], zones };
  try {
    const meta = JSON.parse(text) as { index_columns?: unknown[]; columns?: Array<{ field_name?: string; metadata?: { timezone?: string } | null }> };
    for (const c of meta.columns ?? []) if (c.field_name && typeof c.metadata?.timezone === 'string') zones.set(c.field_name, c.metadata.timezone);
    return { index: (meta.index_columns ?? []).filter((c): c is string => typeof c === 'string'), zones };
  } catch {
    return { index: [], zones };
  }
}
