import type { ParamValue, SearchSpace } from '../../search/types';
import { formatValue, paramAxis, type Level, type ParamAxis } from '../axes';
import type { ParamSensitivity, SensitivityResult } from '../sensitivity';
import type { ScoredTrial } from '../trials';
import { esc, legend } from './html';
import { COLORS } from './style';
import { axes, frame, linear, polyline, r, robustRange, strided, svg, type Scale } from './svg';

/** Where values sit on a parameter's horizontal axis: log units on a log axis, cell centres for categories. */
export interface ParamPosition {
  axis: ParamAxis;
  of: (v: ParamValue) => number;
  ofLevel: (l: Level) => number;
  /** Tick positions and their labels. */
  ticks: (scale: Scale) => { at: number; label: string }[];
}

export function paramPosition(name: string, values: readonly ParamValue[], space?: SearchSpace): ParamPosition {
  const axis = paramAxis(name, values, space?.[name]);
  if (axis.kind === 'categorical') {
    const index = new Map(axis.choices.map((c, i) => [String(c), i]));
    return {
      axis,
      of: (v) => (index.get(String(v)) ?? 0) + 0.5,
      ofLevel: (l) => (index.get(l.label) ?? 0) + 0.5,
      ticks: () => axis.choices.map((c, i) => ({ at: i + 0.5, label: String(c) })),
    };
  }
  const t = (v: number) => (axis.log ? Math.log(v) : v);
  return {
    axis,
    of: (v) => t(v as number),
    ofLevel: (l) => (t(l.low!) + t(l.high!)) / 2,
    ticks: (scale) => (axis.log ? logTicks(axis.min, axis.max) : scale.ticks).map((v) => ({ at: axis.log ? Math.log(v) : v, label: formatValue(v) })),
  };
}

function logTicks(min: number, max: number): number[] {
  const all: number[] = [];
  for (let k = Math.floor(Math.log10(min)); k <= Math.ceil(Math.log10(max)); k++) for (const m of [1, 2, 5]) all.push(m * 10 ** k);
  const inside = all.filter((v) => v >= min * 0.999 && v <= max * 1.001);
  return inside.length > 7 ? inside.filter((v) => Number.isInteger(Math.log10(v))) : inside;
}

/** The x scale of a parameter: its whole axis, so that every chart of one parameter lines up. */
export function paramScale(pos: ParamPosition, range: [number, number]): Scale {
  const a = pos.axis;
  const ends = a.kind === 'categorical' ? [0, a.choices.length] : [pos.of(a.min), pos.of(a.max)];
  const scale = linear(ends, range, { pad: a.kind === 'categorical' ? 0 : 0.04 });
  scale.ticks = pos.ticks(scale).map((t) => t.at);
  return scale;
}

/**
 * One small chart per parameter: every trial's objective against the parameter, the marginal mean per
 * level, and the response around the best point from `sensitivity`.
 */
export function slicePlots(trials: readonly ScoredTrial[], sens: SensitivityResult, metric: string, space: SearchSpace | undefined, maxPoints: number): string {
  const y = robustRange(trials.map((t) => t.objective));
  const charts = sens.params.map((s) => sliceChart(trials, s, sens, metric, y, space, maxPoints));
  return `<div class="grid3">${charts.join('')}</div>` + legend([
    { color: COLORS.trial, label: 'trial' },
    { color: COLORS.marginal, label: 'marginal mean (all trials)', dashed: true },
    { color: COLORS.aroundBest, label: 'around the best point (others fixed)' },
    { color: COLORS.best, label: 'best trial' },
  ]);
}

function sliceChart(trials: readonly ScoredTrial[], s: ParamSensitivity, sens: SensitivityResult, metric: string, yRange: number[],
  space: SearchSpace | undefined, maxPoints: number): string {
  const f = frame(380, 270, { left: 58, top: 26, bottom: 46 });
  const usable = trials.filter((t) => s.param in t.params);
  const pos = paramPosition(s.param, usable.map((t) => t.params[s.param]), space);
  const x = paramScale(pos, [f.left, f.width - f.right]);
  const means = [...s.marginal, ...s.aroundBest].map((l) => l.mean);
  const y = linear([...yRange, ...means], [f.height - f.bottom, f.top]);
  const clampY = (v: number) => Math.min(f.height - f.bottom, Math.max(f.top, y(v)));
  // Spreads the trials of one category across its cell, so that their density shows.
  const jitter = (t: ScoredTrial) => (pos.axis.kind === 'categorical' ? (((t.trialId * 0.6180339887) % 1) - 0.5) * 0.5 : 0);
  const labels = new Map(pos.ticks(x).map((t) => [t.at, t.label]));
  const dots = strided(usable.length, maxPoints)
    .map((i) => usable[i])
    .map((t) => `<circle cx="${r(x(pos.of(t.params[s.param]) + jitter(t)))}" cy="${r(clampY(t.objective))}" r="2.2"/>`).join('');
  const line = (levels: typeof s.marginal) => polyline(levels.map((l) => [x(pos.ofLevel(l)), clampY(l.mean)]));
  const marks = s.aroundBest.map((l) => `<circle cx="${r(x(pos.ofLevel(l)))}" cy="${r(clampY(l.mean))}" r="3.2"/>`).join('');
  const best = sens.best && s.param in sens.best.params
    ? `<circle cx="${r(x(pos.of(sens.best.params[s.param])))}" cy="${r(clampY(sens.best.objective))}" r="6" fill="none" stroke="${COLORS.best}" stroke-width="2.4"/>`
    : '';
  const title = `<text class="chart-title" x="${f.left}" y="16">${esc(s.param)} <tspan class="tick">(${s.method === 'exact' ? 'exact slice' : 'nearest neighbours'})</tspan></text>`;
  const body = axes(f, x, y, { xLabel: s.param, yLabel: metric, xFormat: (v) => labels.get(v) ?? formatValue(v) }) + title +
    `<g fill="${COLORS.trial}" fill-opacity="0.35">${dots}</g>` +
    `<path d="${line(s.marginal)}" fill="none" stroke="${COLORS.marginal}" stroke-width="1.8" stroke-dasharray="5 4"/>` +
    `<path d="${line(s.aroundBest)}" fill="none" stroke="${COLORS.aroundBest}" stroke-width="2.2"/><g fill="${COLORS.aroundBest}">${marks}</g>` + best;
  return svg(f, `${metric} against ${s.param}`, body);
}
