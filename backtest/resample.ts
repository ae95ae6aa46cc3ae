import { InputError } from '../errors';
import { DAY_MS } from './dates';
import type { Bars } from './types';
import { localDay, startOfLocalDay, timeZone, UTC, type TimeZone } from './zones';

/** A bar length to resample to: `count` minutes, hours or days, or one week. */
export interface Timeframe {
  /** As written, e.g. `4h`. */
  text: string;
  unit: 'minute' | 'hour' | 'day' | 'week';
  count: number;
}

const TIMEFRAME = /^([1-9]\d{0,5})(min|m|h|d|w)$/;
const UNIT_MS = { minute: 60_000, hour: 3_600_000, day: DAY_MS, week: 7 * DAY_MS } as const;
const UNITS = { min: 'minute', m: 'minute', h: 'hour', d: 'day', w: 'week' } as const;

/**
 * A timeframe as written in `data.timeframe` or `--timeframe`: a whole number of minutes (`15min` or `15m`),
 * hours (`4h`) or days (`1d`, `2d`), or `1w`.
 * @throws InputError saying what is accepted.
 */
export function parseTimeframe(text: string): Timeframe {
  const m = TIMEFRAME.exec(text.trim());
  const unit = m ? UNITS[m[2] as keyof typeof UNITS] : undefined;
  if (!m || !unit || (unit === 'week' && m[1] !== '1')) {
    throw new InputError(`timeframe "${text}" is not one tuneflow resamples to: write minutes (15min or 15m), hours (4h), days (1d, 2d) or one week (1w).`);
  }
  return { text: text.trim(), unit, count: Number(m[1]) };
}

/** The length of a timeframe's bars (a day counts 24 hours, a week 7 days), for comparing it with the data's. */
export function timeframeMs(timeframe: Timeframe): number {
  return timeframe.count * UNIT_MS[timeframe.unit];
}

/**
 * Coarser bars built from `bars` as pandas' `resample(rule).agg({Open: 'first', High: 'max', Low: 'min', Close:
 * 'last', Volume: 'sum'}).dropna()` builds them on an index in the bars' zone (`Bars.timezone`, UTC without one),
 * with pandas' default bins for each rule: minutes and hours are left-closed, left-labelled bins of fixed length
 * from midnight of the first bar's local day ('start_day'), so after a change of clocks their labels move with it;
 * days are local calendar days (23 or 25 hours across a change) counted from the first bar's; `1w` is pandas'
 * `W` (weeks ending on Sunday, labelled with that Sunday's midnight, right-closed over whole days). Bins without
 * a bar are left out (pandas leaves NaN rows, which `dropna()` drops). Volume sums the values present: a bin
 * whose volumes are all missing has 0, as pandas' sum does, and bars without any volume stay without.
 * @throws InputError when `timeframe` is finer than the bars' own spacing (their median), naming both.
 */
export function resampleBars(bars: Bars, timeframe: Timeframe): Bars {
  const n = bars.length;
  const spacing = medianSpacing(bars.time);
  if (timeframeMs(timeframe) < spacing) {
    throw new InputError(
      `${bars.source}: the timeframe ${timeframe.text} is finer than the data, whose bars are ${formatSpan(spacing)} apart (the median spacing); ` +
        `a timeframe builds longer bars from shorter ones: choose ${formatSpan(spacing)} or more, or leave it out.`,
    );
  }
  const zone = bars.timezone ? timeZone(bars.timezone) : UTC;
  const labelOf = binLabels(timeframe, zone, n > 0 ? bars.time[0] : 0);
  const time: number[] = [];
  const open: number[] = [], high: number[] = [], low: number[] = [], close: number[] = [], volume: number[] = [];
  const hasVolume = bars.volume.some((v) => !Number.isNaN(v));
  let label = NaN;
  for (let i = 0; i < n; i++) {
    const t = labelOf(bars.time[i]);
    const v = bars.volume[i];
    if (t !== label) {
      label = t;
      time.push(t);
      open.push(bars.open[i]);
      high.push(bars.high[i]);
      low.push(bars.low[i]);
      close.push(bars.close[i]);
      volume.push(hasVolume ? (Number.isNaN(v) ? 0 : v) : NaN);
      continue;
    }
    const k = time.length - 1;
    if (bars.high[i] > high[k]) high[k] = bars.high[i];
    if (bars.low[i] < low[k]) low[k] = bars.low[i];
    close[k] = bars.close[i];
    if (hasVolume && !Number.isNaN(v)) volume[k] += v;
  }
  return {
    time: Float64Array.from(time),
    open: Float64Array.from(open),
    high: Float64Array.from(high),
    low: Float64Array.from(low),
    close: Float64Array.from(close),
    volume: Float64Array.from(volume),
    length: time.length,
    source: bars.source,
    ...(bars.timezone ? { timezone: bars.timezone } : {}),
  };
}

/** The label (the bin's time, as pandas labels it) of the bin holding each time; labels never decrease with time. */
function binLabels(timeframe: Timeframe, zone: TimeZone, first: number): (t: number) => number {
  const firstDay = localDay(zone, first);
  switch (timeframe.unit) {
    case 'minute':
    case 'hour': {
      const step = timeframeMs(timeframe);
      const origin = startOfLocalDay(zone, firstDay);
      return (t) => origin + Math.floor((t - origin) / step) * step;
    }
    case 'day':
      return (t) => startOfLocalDay(zone, firstDay + Math.floor((localDay(zone, t) - firstDay) / timeframe.count) * timeframe.count);
    case 'week':
      return (t) => {
        const day = localDay(zone, t);
        // Day 0, 1970-01-01, was a Thursday: Monday is 0 and Sunday 6 here.
        const weekday = (((day + 3) % 7) + 7) % 7;
        return startOfLocalDay(zone, day + 6 - weekday);
      };
  }
}

/** The median spacing of consecutive times, NaN for fewer than two. */
export function medianSpacing(time: Float64Array): number {
  if (time.length < 2) return NaN;
  const gaps = new Float64Array(time.length - 1);
  for (let i = 1; i < time.length; i++) gaps[i - 1] = time[i] - time[i - 1];
  gaps.sort();
  const mid = gaps.length >> 1;
  return gaps.length % 2 ? gaps[mid] : (gaps[mid - 1] + gaps[mid]) / 2;
}

/** A span as pandas would write its rule: `1d`, `4h`, `1h30min`, `45s`. */
export function formatSpan(ms: number): string {
  const parts: string[] = [];
  let rest = Math.round(ms / 1000);
  for (const [unit, seconds] of [['d', 86_400], ['h', 3_600], ['min', 60], ['s', 1]] as const) {
    const count = Math.floor(rest / seconds);
    if (count > 0) parts.push(`${count}${unit}`);
    rest -= count * seconds;
  }
  return parts.join('') || `${ms}ms`;
}
