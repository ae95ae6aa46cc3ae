import type { ParamValue, Params } from '../../search/types';
import type { MetricValues, TrialRecord } from '../../types/trial';

/**
 * The compact binary form of one trial record. Names (parameters, metrics, worker ids) are not in the bytes:
 * each is a small index into the session's name dictionary, stored once per session, so a record costs
 * about 9 bytes per non-integer metric and 1-3 bytes per integer, parameter or index.
 *
 * Layout: flags byte (bit 0 settled without failing first, so the store's write script reads the status at a
 * fixed offset; bit 5 marks metrics taken from the result cache, bit 6 a pruned trial), attempt, worker index,
 * duration in µs, finishedAt in epoch ms (varints), the parameters, the metrics, the objective, the error, the
 * note, and for a pruned trial its stage (varint) and objective there. A value's header
 * is one varint `(column delta << 3) | tag`;
 * columns are written in ascending order so the delta is nearly always 1 and the header one byte.
 */

export type NameKind = 'p' | 'm' | 'w';

/** Name ↔ index per kind, for one session; indexes are dense from 0 and never change once given. */
export interface NameDictionary {
  indexOf(kind: NameKind, name: string): number | undefined;
  nameOf(kind: NameKind, index: number): string | undefined;
}

const FLAG_SUCCEEDED = 1;
const FLAG_OBJECTIVE = 2;
const FLAG_OBJECTIVE_IS_METRIC = 4;
const FLAG_ERROR = 8;
const FLAG_NOTE = 16;
const FLAG_CACHED = 32;
/** Set with FLAG_SUCCEEDED: a pruned trial, like a success, is never replaced by a late failure of its own. */
const FLAG_PRUNED = 64;

const TAG_NULL = 0, TAG_FALSE = 1, TAG_TRUE = 2, TAG_INT = 3, TAG_FLOAT32 = 4, TAG_FLOAT64 = 5, TAG_STRING = 6;

/** Every name a record needs in the dictionary before it can be encoded. */
export function namesOf(record: TrialRecord): Array<[NameKind, string]> {
  return [
    ...Object.keys(record.params).map((n): [NameKind, string] => ['p', n]),
    ...Object.keys(record.metrics).map((n): [NameKind, string] => ['m', n]),
    ['w', record.workerId],
  ];
}

class Writer {
  private buf = Buffer.allocUnsafe(256);
  length = 0;

  private room(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.length + n));
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }

  byte(b: number): void {
    this.room(1);
    this.buf[this.length++] = b;
  }

  /** Unsigned integer up to 2^53, seven bits a byte; arithmetic rather than bit operators, which stop at 2^32. */
  varint(v: number): void {
    this.room(8);
    while (v >= 128) {
      this.buf[this.length++] = (v % 128) + 128;
      v = Math.floor(v / 128);
    }
    this.buf[this.length++] = v;
  }

  float32(v: number): void {
    this.room(4);
    this.buf.writeFloatLE(v, this.length);
    this.length += 4;
  }

  float64(v: number): void {
    this.room(8);
    this.buf.writeDoubleLE(v, this.length);
    this.length += 8;
  }

  text(s: string): void {
    const bytes = Buffer.from(s, 'utf8');
    this.varint(bytes.length);
    this.room(bytes.length);
    bytes.copy(this.buf, this.length);
    this.length += bytes.length;
  }

  bytes(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.length));
  }
}

class Reader {
  at = 0;
  constructor(private readonly buf: Buffer) {}

  byte(): number {
    if (this.at >= this.buf.length) throw new Error('trial record ends early');
    return this.buf[this.at++];
  }

  varint(): number {
    let v = 0;
    for (let scale = 1; ; scale *= 128) {
      const b = this.byte();
      v += (b % 128) * scale;
      if (b < 128) return v;
    }
  }

  float32(): number {
    const v = this.buf.readFloatLE(this.at);
    this.at += 4;
    return v;
  }

  float64(): number {
    const v = this.buf.readDoubleLE(this.at);
    this.at += 8;
    return v;
  }

  text(): string {
    const n = this.varint();
    const s = this.buf.toString('utf8', this.at, this.at + n);
    this.at += n;
    return s;
  }
}

const zigzag = (v: number) => (v < 0 ? -2 * v - 1 : 2 * v);
const unzigzag = (v: number) => (v % 2 === 1 ? -(v + 1) / 2 : v / 2);

function writeValue(w: Writer, delta: number, v: ParamValue | null): void {
  const head = (tag: number) => w.varint(delta * 8 + tag);
  if (v === null) head(TAG_NULL);
  else if (typeof v === 'boolean') head(v ? TAG_TRUE : TAG_FALSE);
  else if (typeof v === 'string') {
    head(TAG_STRING);
    w.text(v);
  } else if (Number.isSafeInteger(v) && !Object.is(v, -0)) {
    head(TAG_INT);
    w.varint(zigzag(v));
  } else if (Math.fround(v) === v || Number.isNaN(v)) {
    head(TAG_FLOAT32);
    w.float32(v);
  } else {
    head(TAG_FLOAT64);
    w.float64(v);
  }
}

function readValue(r: Reader, tag: number): ParamValue | null {
  switch (tag) {
    case TAG_NULL: return null;
    case TAG_FALSE: return false;
    case TAG_TRUE: return true;
    case TAG_INT: return unzigzag(r.varint());
    case TAG_FLOAT32: return r.float32();
    case TAG_FLOAT64: return r.float64();
    case TAG_STRING: return r.text();
    default: throw new Error(`trial record has an unknown value tag ${tag}`);
  }
}

function indexOrThrow(dict: NameDictionary, kind: NameKind, name: string): number {
  const i = dict.indexOf(kind, name);
  if (i === undefined) throw new Error(`"${name}" is not in the session's name dictionary`);
  return i;
}

function writeColumns(w: Writer, dict: NameDictionary, kind: NameKind, values: Record<string, ParamValue | null>): void {
  const columns = Object.keys(values).map((name) => [indexOrThrow(dict, kind, name), name] as const).sort((a, b) => a[0] - b[0]);
  w.varint(columns.length);
  let previous = -1;
  for (const [col, name] of columns) {
    writeValue(w, col - previous - 1, values[name]);
    previous = col;
  }
}

function readColumns(r: Reader, dict: NameDictionary, kind: NameKind): Record<string, ParamValue | null> {
  const out: Record<string, ParamValue | null> = {};
  let col = -1;
  for (let n = r.varint(); n > 0; n--) {
    const head = r.varint();
    col += Math.floor(head / 8) + 1;
    const name = dict.nameOf(kind, col);
    if (name === undefined) throw new MissingNameError();
    out[name] = readValue(r, head % 8);
  }
  return out;
}

/** A record refers to a name this process has not loaded yet: reload the dictionary and decode again. */
export class MissingNameError extends Error {
  constructor() {
    super('trial record refers to a name missing from the dictionary');
  }
}

/** The record's bytes; every name of {@link namesOf} must be in `dict`. */
export function encodeTrial(record: TrialRecord, dict: NameDictionary): Buffer {
  const w = new Writer();
  const objective = record.objective;
  const objectiveMetric = objective === null ? undefined
    : Object.keys(record.metrics).find((m) => Object.is(record.metrics[m], objective));
  let flags = record.status === 'succeeded' ? FLAG_SUCCEEDED : record.status === 'pruned' ? FLAG_SUCCEEDED | FLAG_PRUNED : 0;
  if (objective !== null) flags |= FLAG_OBJECTIVE | (objectiveMetric !== undefined ? FLAG_OBJECTIVE_IS_METRIC : 0);
  if (record.error !== undefined) flags |= FLAG_ERROR;
  if (record.note !== undefined) flags |= FLAG_NOTE;
  if (record.cached) flags |= FLAG_CACHED;
  w.byte(flags);
  w.varint(record.attempt);
  w.varint(indexOrThrow(dict, 'w', record.workerId));
  // Microseconds are finer than any duration worth reading; a float64 would cost 8 bytes for noise.
  w.varint(Math.max(0, Math.round(record.durationMs * 1000)));
  w.varint(Math.max(0, Date.parse(record.finishedAt) || 0));
  writeColumns(w, dict, 'p', record.params);
  writeColumns(w, dict, 'm', record.metrics);
  if (objective !== null) {
    if (objectiveMetric !== undefined) w.varint(indexOrThrow(dict, 'm', objectiveMetric));
    else writeValue(w, 0, objective);
  }
  if (record.error !== undefined) w.text(record.error);
  if (record.note !== undefined) w.text(record.note);
  if (record.status === 'pruned') {
    w.varint(record.pruned?.stage ?? 0);
    writeValue(w, 0, record.pruned?.value ?? null);
  }
  return w.bytes();
}

/** The record `bytes` encode, for `sessionId` and `trialId` (neither is in the bytes). */
export function decodeTrial(bytes: Buffer, sessionId: string, trialId: number, dict: NameDictionary): TrialRecord {
  const r = new Reader(bytes);
  const flags = r.byte();
  const attempt = r.varint();
  const workerId = dict.nameOf('w', r.varint());
  if (workerId === undefined) throw new MissingNameError();
  const durationMs = r.varint() / 1000;
  const finishedAt = new Date(r.varint()).toISOString();
  const params = readColumns(r, dict, 'p') as Params;
  const metrics = readColumns(r, dict, 'm') as MetricValues;
  let objective: number | null = null;
  if (flags & FLAG_OBJECTIVE) {
    if (flags & FLAG_OBJECTIVE_IS_METRIC) {
      const name = dict.nameOf('m', r.varint());
      if (name === undefined) throw new MissingNameError();
      objective = metrics[name];
    } else {
      const head = r.varint();
      objective = readValue(r, head % 8) as number;
    }
  }
  const record: TrialRecord = {
    sessionId, trialId, params, status: flags & FLAG_PRUNED ? 'pruned' : flags & FLAG_SUCCEEDED ? 'succeeded' : 'failed', metrics, objective, attempt, workerId, durationMs, finishedAt,
  };
  if (flags & FLAG_ERROR) record.error = r.text();
  if (flags & FLAG_NOTE) record.note = r.text();
  if (flags & FLAG_CACHED) record.cached = true;
  if (flags & FLAG_PRUNED) {
    const stage = r.varint();
    const value = readValue(r, r.varint() % 8);
    record.pruned = { stage, value: value as number };
  }
  return record;
}

/** Trials per bucket: one hash field holds the records of ids `[b·16, b·16 + 16)`. */
export const BUCKET_SIZE = 16;

/** A bucket entry: slot (id mod 16), length, record bytes. The write script parses the same layout. */
export function bucketEntry(trialId: number, record: Buffer): Buffer {
  const w = new Writer();
  w.byte(trialId % BUCKET_SIZE);
  w.varint(record.length);
  return Buffer.concat([w.bytes(), record]);
}

/** The record bytes of each slot a bucket holds. */
export function bucketEntries(bucket: Buffer): Map<number, Buffer> {
  const out = new Map<number, Buffer>();
  const r = new Reader(bucket);
  while (r.at < bucket.length) {
    const slot = r.byte();
    const length = r.varint();
    out.set(slot, bucket.subarray(r.at, r.at + length));
    r.at += length;
  }
  return out;
}
