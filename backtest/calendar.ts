import { DAY_MS, dayOfWeek } from './dates';
import type { Bars } from './types';
import { localDay, timeZone, UTC, type TimeZone } from './zones';

/**
 * What the statistics need to know about a series' timeline, inferred as backtesting.py infers it and
 * computed once per series (a batch of trials shares it).
 */
export interface Calendar {
  /** Periods per year for annualising: 252 for daily bars without weekends, 365 with, 52 weekly, 12 monthly, 1 yearly. */
  annualDays: number;
  /** Index of the last bar of each non-empty resampling period (day, or week/month/year for coarser data). */
  binLast: Int32Array;
  /** Durations are rounded up to this unit: the finest unit in which the bar period is whole. */
  resolutionMs: number;
  /** Span from the first to the last bar in years of 365.25 days (whole seconds, as pandas' `Timedelta.seconds`). */
  years: number;
}

/**
 * The bar period is the median spacing of the last 100 bars; weekends "trade" when more than 60 % of the
 * expected 2/7 of bars fall on Saturdays or Sundays; returns are resampled to days (or to weeks, months or
 * years for such data) before annualising. Days, weekdays, weeks, months and years are those of the bars' zone
 * (`Bars.timezone`), as pandas counts them on an index in that zone. Source: backtesting.py `_stats.compute_stats`,
 * `_util._data_period`.
 */
export function computeCalendar(bars: Bars): Calendar {
  const n = bars.length;
  const time = bars.time;
  const periodMs = medianSpacing(time.subarray(Math.max(0, n - 100)));
  const freqDays = Math.floor(periodMs / DAY_MS);
  const zone = bars.timezone ? timeZone(bars.timezone) : UTC;

  let weekendBars = 0;
  for (let i = 0; i < n; i++) {
    if (dayOfWeek(localDay(zone, time[i]) * DAY_MS) >= 5) weekendBars++;
  }
  const haveWeekends = weekendBars / n > (2 / 7) * 0.6;
  const annualDays = freqDays === 7 ? 52 : freqDays === 31 ? 12 : freqDays === 365 ? 1 : haveWeekends ? 365 : 252;

  const unit = freqDays === 7 ? 'week' : freqDays === 31 ? 'month' : freqDays === 365 ? 'year' : 'day';
  const last: number[] = [];
  let key = n > 0 ? periodKey(time[0], unit, zone) : 0;
  for (let i = 1; i <= n; i++) {
    const next = i < n ? periodKey(time[i], unit, zone) : NaN;
    if (next !== key) last.push(i - 1);
    key = next;
  }

  const years = n > 0 ? yearsOf(time[n - 1] - time[0]) : 0;
  return { annualDays, binLast: Int32Array.from(last), resolutionMs: resolutionOf(periodMs), years };
}

/**
 * The calendar of bars `[start, end)` of the series whose calendar is `series`: the series' annualisation and
 * duration unit, with resampling bins and span of the window's own bars. What {@link computeCalendar} gives
 * for the window's bars whenever its inference agrees with the whole series' (any daily window of a few weeks
 * or more); on shorter windows the median bar spacing and the weekend share swing (a few monthly bars can look
 * daily, a weekday stretch of 24/7 data can look like equities), and every window of one series must be
 * annualised alike for walk-forward ratios to compare like with like.
 */
export function windowCalendar(series: Calendar, bars: Bars, start: number, end: number): Calendar {
  const bins = series.binLast;
  let lo = 0, hi = bins.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (bins[mid] < start) lo = mid + 1;
    else hi = mid;
  }
  let to = lo;
  while (to < bins.length && bins[to] < end - 1) to++;
  // The bin holding the window's last bar ends there, wherever the series' bin ends.
  const binLast = new Int32Array(to - lo + 1);
  for (let k = lo; k < to; k++) binLast[k - lo] = bins[k] - start;
  binLast[to - lo] = end - 1 - start;
  return { ...series, binLast, years: yearsOf(bars.time[end - 1] - bars.time[start]) };
}

/** A span in years of 365.25 days, counting whole seconds as pandas' `Timedelta.seconds` does. */
function yearsOf(spanMs: number): number {
  const days = Math.floor(spanMs / DAY_MS);
  const seconds = Math.floor((spanMs - days * DAY_MS) / 1000);
  return (days + seconds / 86400) / 365.25;
}

function medianSpacing(t: Float64Array): number {
  const d: number[] = [];
  for (let i = 1; i < t.length; i++) d.push(t[i] - t[i - 1]);
  if (d.length === 0) return NaN;
  d.sort((a, b) => a - b);
  const mid = d.length >> 1;
  return d.length % 2 ? d[mid] : (d[mid - 1] + d[mid]) / 2;
}

/** pandas' `Timedelta.resolution_string`, as milliseconds. */
function resolutionOf(periodMs: number): number {
  if (!Number.isFinite(periodMs)) return DAY_MS;
  if (periodMs % 1000) return 1;
  if (periodMs % 60_000) return 1000;
  if (periodMs % 3_600_000) return 60_000;
  if (periodMs % DAY_MS) return 3_600_000;
  return DAY_MS;
}

/** Resampling period of a time in a zone: pandas' 'D', 'W' (weeks ending on Sunday), 'ME' and 'YE'. */
function periodKey(t: number, unit: 'day' | 'week' | 'month' | 'year', zone: TimeZone): number {
  const day = localDay(zone, t);
  if (unit === 'day') return day;
  // Day 0, 1970-01-01, was a Thursday.
  if (unit === 'week') return Math.floor((day + 3) / 7);
  const d = new Date(day * DAY_MS);
  return unit === 'month' ? d.getUTCFullYear() * 12 + d.getUTCMonth() : d.getUTCFullYear();
}

