import { formatNumber, formatTime } from '../format';
import { extent } from '../numeric';
import { esc } from './html';

/** A chart's size and the margins its axes live in, in SVG user units. */
export interface Frame {
  width: number;
  height: number;
  left: number;
  right: number;
  top: number;
  bottom: number;
}

export interface Scale {
  (v: number): number;
  domain: [number, number];
  ticks: number[];
}

export function frame(width: number, height: number, margins: Partial<Omit<Frame, 'width' | 'height'>> = {}): Frame {
  return { width, height, left: 64, right: 16, top: 16, bottom: 44, ...margins };
}

/** A linear scale over a padded, never empty domain, with about `count` round ticks inside it. */
export function linear(values: readonly number[], range: [number, number], options: { pad?: number; count?: number; include?: number[] } = {}): Scale {
  const [vLo, vHi] = extent([...values, ...(options.include ?? [])].filter(Number.isFinite));
  let lo = Number.isNaN(vLo) ? 0 : vLo;
  let hi = Number.isNaN(vHi) ? 1 : vHi;
  if (lo === hi) {
    const d = Math.abs(lo) * 0.1 || 1;
    lo -= d;
    hi += d;
  }
  const pad = (hi - lo) * (options.pad ?? 0.05);
  lo -= pad;
  hi += pad;
  const [a, b] = range;
  const scale = ((v: number) => a + ((v - lo) / (hi - lo)) * (b - a)) as Scale;
  scale.domain = [lo, hi];
  scale.ticks = niceTicks(lo, hi, options.count ?? 5);
  return scale;
}

/** Round tick values (1, 2 or 5 times a power of ten apart) between lo and hi. */
export function niceTicks(lo: number, hi: number, count: number): number[] {
  const raw = (hi - lo) / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const ticks: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) ticks.push(Math.abs(t) < step * 1e-9 ? 0 : t);
  return ticks;
}

/** Coordinates rounded to 0.1 unit: invisible on screen, a third of the bytes. */
export function r(v: number): string {
  return String(Math.round(v * 10) / 10);
}

export function polyline(points: readonly [number, number][]): string {
  return points.map(([x, y], i) => `${i ? 'L' : 'M'}${r(x)} ${r(y)}`).join('');
}

export function svg(f: Frame, label: string, body: string): string {
  return `<svg viewBox="0 0 ${f.width} ${f.height}" role="img" aria-label="${esc(label)}">${body}</svg>`;
}

export interface AxisOptions {
  xLabel: string;
  yLabel: string;
  xFormat?: (v: number) => string;
  yFormat?: (v: number) => string;
}

/** Grid lines, tick labels and axis titles for a plot area. */
export function axes(f: Frame, x: Scale, y: Scale, o: AxisOptions): string {
  const xf = o.xFormat ?? formatNumber, yf = o.yFormat ?? formatNumber;
  const bottom = f.height - f.bottom, right = f.width - f.right;
  const parts: string[] = [`<rect class="plot" x="${f.left}" y="${f.top}" width="${right - f.left}" height="${bottom - f.top}"/>`];
  for (const t of y.ticks) {
    const py = r(y(t));
    parts.push(`<line class="grid" x1="${f.left}" x2="${right}" y1="${py}" y2="${py}"/><text class="tick" x="${f.left - 6}" y="${py}" dy="0.32em" text-anchor="end">${esc(yf(t))}</text>`);
  }
  for (const t of x.ticks) {
    const px = r(x(t));
    parts.push(`<line class="grid" y1="${f.top}" y2="${bottom}" x1="${px}" x2="${px}"/><text class="tick" x="${px}" y="${bottom + 16}" text-anchor="middle">${esc(xf(t))}</text>`);
  }
  parts.push(`<text class="axis-title" x="${(f.left + right) / 2}" y="${f.height - 6}" text-anchor="middle">${esc(o.xLabel)}</text>`);
  parts.push(`<text class="axis-title" transform="translate(14 ${(f.top + bottom) / 2}) rotate(-90)" text-anchor="middle">${esc(o.yLabel)}</text>`);
  return parts.join('');
}

const DAY_MS = 86_400_000;
const MONTH_STEPS = [1, 2, 3, 6, 12, 24, 60, 120];

/**
 * A scale over epoch milliseconds whose ticks fall on calendar boundaries: month or year starts (UTC) for
 * long spans, midnights for spans of weeks, round numbers only for intraday spans.
 */
export function timeScale(times: readonly number[], range: [number, number], count = 7): { scale: Scale; format: (ms: number) => string } {
  const scale = linear(times, range, { pad: 0 });
  const [lo, hi] = scale.domain;
  const span = hi - lo;
  if (span < 3 * DAY_MS) return { scale, format: formatTime };
  if (span < 90 * DAY_MS) {
    scale.ticks = niceTicks(lo / DAY_MS, hi / DAY_MS, count).filter(Number.isInteger).map((d) => d * DAY_MS);
    return { scale, format: (ms) => formatTime(ms).slice(0, 10) };
  }
  const monthOf = (ms: number) => new Date(ms).getUTCFullYear() * 12 + new Date(ms).getUTCMonth();
  const first = monthOf(lo) + 1, last = monthOf(hi);
  const step = MONTH_STEPS.find((m) => (last - first) / m <= count) ?? 12 * Math.ceil((last - first) / count / 12);
  scale.ticks = [];
  for (let m = Math.ceil(first / step) * step; m <= last; m += step) scale.ticks.push(Date.UTC(Math.floor(m / 12), m % 12, 1));
  return { scale, format: (ms) => formatTime(ms).slice(0, step % 12 === 0 ? 4 : 7) };
}

/** Viridis, sampled: perceptually even and readable in grey; `t` in [0, 1], 1 = best. */
export function viridis(t: number): string {
  const stops = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(x));
  const f = x - i;
  const c = stops[i].map((v, k) => Math.round(v + (stops[i + 1][k] - v) * f));
  return `#${c.map((v) => v.toString(16).padStart(2, '0')).join('')}`;
}

/** At most `max` indexes spread evenly over `n`, keeping the first and last. */
export function strided(n: number, max: number): number[] {
  if (n <= max) return Array.from({ length: n }, (_, i) => i);
  const out = new Set<number>();
  for (let k = 0; k < max; k++) out.add(Math.round((k * (n - 1)) / (max - 1)));
  return [...out];
}

/** Keeps each bucket's first, lowest and highest point, so that peaks and drawdowns survive thinning. */
export function thinCurve(times: readonly number[], values: readonly number[], max: number): [number[], number[]] {
  if (times.length <= max) return [[...times], [...values]];
  const buckets = Math.floor(max / 3);
  const keep = new Set<number>([times.length - 1]);
  for (let b = 0; b < buckets; b++) {
    const from = Math.floor((b * times.length) / buckets), to = Math.floor(((b + 1) * times.length) / buckets);
    let lo = from, hi = from;
    for (let i = from; i < to; i++) {
      if (values[i] < values[lo]) lo = i;
      if (values[i] > values[hi]) hi = i;
    }
    keep.add(from).add(lo).add(hi);
  }
  const idx = [...keep].sort((a, b) => a - b);
  return [idx.map((i) => times[i]), idx.map((i) => values[i])];
}

/** The 1st to 99th percentile, so that one absurd trial does not flatten every other; all values below 50. */
export function robustRange(values: readonly number[]): number[] {
  const s = Float64Array.from(values.filter(Number.isFinite)).sort();
  if (s.length < 50) return [...s];
  return [s[Math.floor(s.length * 0.01)], s[Math.ceil(s.length * 0.99) - 1]];
}
