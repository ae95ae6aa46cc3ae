import { InputError } from '../errors';
import { DAY_MS, formatIsoTime } from './dates';

/**
 * A time zone: `UTC`, a fixed offset such as `+05:30`, or an IANA name such as `Europe/Berlin`, whose offsets
 * come from the tz database Node.js carries (Intl).
 */
export interface TimeZone {
  /** `UTC`, `+hh:mm`/`-hh:mm`, or the canonical IANA name (`US/Eastern` is `America/New_York`). */
  readonly name: string;
  /** Milliseconds to add to a UTC instant for the wall-clock time there (negative west of Greenwich). */
  offsetAt(utcMs: number): number;
}

const FIXED_OFFSET = /^([+-])(\d{2}):?(\d{2})$/;
const UTC_NAMES = new Set(['UTC', 'Etc/UTC', 'Etc/GMT', 'GMT', 'Etc/Universal', 'Etc/Zulu']);
const known = new Map<string, TimeZone>();

class FixedZone implements TimeZone {
  constructor(
    readonly name: string,
    private readonly offsetMs: number,
  ) {}

  offsetAt(): number {
    return this.offsetMs;
  }
}

export const UTC: TimeZone = new FixedZone('UTC', 0);

/**
 * An IANA zone. Asking Intl costs microseconds, so offsets are kept per UTC day: a day whose first and last
 * millisecond share an offset has it throughout (no zone changes its offset twice in a day); the few days with
 * a change are asked per instant.
 */
class IanaZone implements TimeZone {
  private readonly format: Intl.DateTimeFormat;
  private readonly dayOffsets = new Map<number, number>();

  constructor(readonly name: string) {
    this.format = new Intl.DateTimeFormat('en-US', {
      timeZone: name,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  }

  offsetAt(utcMs: number): number {
    const day = Math.floor(utcMs / DAY_MS);
    let offset = this.dayOffsets.get(day);
    if (offset === undefined) {
      const first = this.exactOffset(day * DAY_MS);
      offset = first === this.exactOffset((day + 1) * DAY_MS - 1) ? first : NaN;
      this.dayOffsets.set(day, offset);
    }
    return Number.isNaN(offset) ? this.exactOffset(utcMs) : offset;
  }

  private exactOffset(utcMs: number): number {
    const f: Record<string, number> = {};
    for (const part of this.format.formatToParts(utcMs)) if (part.type !== 'literal') f[part.type] = Number(part.value);
    const wall = Date.UTC(f.year, f.month - 1, f.day, f.hour, f.minute, f.second);
    return wall - Math.floor(utcMs / 1000) * 1000;
  }
}

/**
 * The zone a name stands for.
 * @throws InputError for a name that is neither UTC, a fixed offset nor a zone of the tz database.
 */
export function timeZone(name: string): TimeZone {
  const cached = known.get(name);
  if (cached) return cached;
  const zone = resolveZone(name);
  known.set(name, zone);
  return zone;
}

function resolveZone(name: string): TimeZone {
  const fixed = FIXED_OFFSET.exec(name);
  if (fixed) {
    const [, sign, hh, mm] = fixed;
    const minutes = Number(hh) * 60 + Number(mm);
    if (Number(mm) > 59 || minutes > 14 * 60) throw new InputError(`time zone "${name}": an offset from UTC lies between -14:00 and +14:00.`);
    return minutes === 0 ? UTC : new FixedZone(`${sign}${hh}:${mm}`, (sign === '-' ? -1 : 1) * minutes * 60_000);
  }
  let canonical: string;
  try {
    canonical = new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    throw new InputError(`time zone "${name}" is not one of the tz database (e.g. Europe/Berlin, America/New_York, UTC) nor an offset such as +05:30.`);
  }
  return UTC_NAMES.has(canonical) ? UTC : new IanaZone(canonical);
}

/**
 * The UTC instants whose wall-clock time in `zone` is `wallMs` (a wall time written as milliseconds of a UTC
 * clock), earliest first: one; two in the hour repeated when clocks go back; none in the hour skipped when they
 * go forward.
 */
export function instantsAt(zone: TimeZone, wallMs: number): number[] {
  // No zone changes its offset twice within two days, so the offsets a day either side are all there are.
  const before = zone.offsetAt(wallMs - DAY_MS);
  const after = zone.offsetAt(wallMs + DAY_MS);
  const out: number[] = [];
  for (const offset of before === after ? [before] : [before, after]) {
    const t = wallMs - offset;
    if (zone.offsetAt(t) === offset && !out.includes(t)) out.push(t);
  }
  return out.sort((a, b) => a - b);
}

/** The local day of an instant, counted in days from 1970-01-01 as a UTC clock counts them. */
export function localDay(zone: TimeZone, utcMs: number): number {
  return Math.floor((utcMs + zone.offsetAt(utcMs)) / DAY_MS);
}

/** The first instant of a local day (its midnight, or the end of the gap when clocks skip midnight). */
export function startOfLocalDay(zone: TimeZone, day: number): number {
  const wall = day * DAY_MS;
  const instants = instantsAt(zone, wall);
  return instants.length > 0 ? instants[0] : wall - zone.offsetAt(wall - DAY_MS);
}

/**
 * A time as its zone writes it: `YYYY-MM-DD HH:MM:SS+hh:mm`, or `YYYY-MM-DD` at a local midnight; in UTC exactly
 * as {@link formatIsoTime} writes it.
 */
export function formatZonedTime(utcMs: number, zone: TimeZone): string {
  if (zone === UTC) return formatIsoTime(utcMs);
  const offset = zone.offsetAt(utcMs);
  const local = utcMs + offset;
  if (local % DAY_MS === 0) return formatIsoTime(local, true);
  return `${formatIsoTime(local, false)}${offsetName(offset)}`;
}

/** `+hh:mm` or `-hh:mm` for an offset in milliseconds. */
export function offsetName(offsetMs: number): string {
  const minutes = Math.round(Math.abs(offsetMs) / 60_000);
  const pad = (v: number) => String(v).padStart(2, '0');
  return `${offsetMs < 0 ? '-' : '+'}${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}`;
}
