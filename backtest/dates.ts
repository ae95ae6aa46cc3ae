/**
 * Strict ISO-8601 dates and date-times. `Date.parse` is lenient (it accepts "2020-02-30" and reads a
 * date-time without an offset as local time), so data files would mean different bars on different machines.
 * {@link parseIsoTime} reads times without an offset as UTC; {@link parseIsoWallTime} leaves the zone to the caller.
 */

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?(Z|[+-]\d{2}:?\d{2})?$/;

export const DAY_MS = 86_400_000;

/** Epoch milliseconds of an ISO date or date-time, or NaN when `text` is not one. */
export function parseIsoTime(text: string): number {
  const parsed = parseIsoWallTime(text);
  if (!parsed) return NaN;
  return parsed.offsetMs === null ? parsed.wallMs : parsed.wallMs - parsed.offsetMs;
}

/**
 * An ISO date or date-time as written: its wall-clock time as milliseconds of a UTC clock, and its offset from
 * UTC (`Z` is 0), or null when it has none and so needs a time zone to name an instant. Null when `text` is not one.
 */
export function parseIsoWallTime(text: string): { wallMs: number; offsetMs: number | null } | null {
  const m = ISO.exec(text);
  if (!m) return null;
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone] = m;
  const year = Number(y), month = Number(mo), day = Number(d);
  const hour = Number(h), minute = Number(mi), second = Number(s);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  if (hour > 23 || minute > 59 || second > 59) return null;
  const ms = frac ? Math.round(Number(`0.${frac}`) * 1000) : 0;
  const wallMs = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  if (!zone) return { wallMs, offsetMs: null };
  if (zone === 'Z') return { wallMs, offsetMs: 0 };
  const sign = zone[0] === '-' ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  return { wallMs, offsetMs: sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000 };
}

/** `YYYY-MM-DD HH:MM:SS` in UTC, or `YYYY-MM-DD` when `dateOnly` (by default when `ms` is a UTC midnight). */
export function formatIsoTime(ms: number, dateOnly = ms % DAY_MS === 0): string {
  const iso = new Date(ms).toISOString();
  return dateOnly ? iso.slice(0, 10) : `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
}

/** Day of the week of a UTC time, Monday 0 to Sunday 6, as pandas' `dayofweek`. */
export function dayOfWeek(ms: number): number {
  // 1970-01-01 was a Thursday. `| 0` keeps the modulo in integers, where it is cheap (days fit easily).
  const day = Math.floor(ms / DAY_MS) | 0;
  return (((day + 3) % 7) + 7) % 7;
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}
