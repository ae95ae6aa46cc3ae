import type { Distribution, ParamValue } from '../search/types';
import { extent } from './numeric';

/**
 * How one parameter's values map onto [0, 1]: numbers linearly (or logarithmically when the search space
 * says so) between the space's bounds, or the observed range when no space is given; anything else, or a
 * categorical distribution, as equal-width cells, one per choice.
 */
export type ParamAxis =
  | { kind: 'numeric'; name: string; min: number; max: number; log: boolean }
  | { kind: 'categorical'; name: string; choices: ParamValue[] };

/** One group of a parameter's values: one value (low = high), whole numbers low to high inclusive, or a bin `[low, high)` (the last one closed). */
export interface Level {
  label: string;
  low: number | null;
  high: number | null;
}

export function paramAxis(name: string, values: readonly ParamValue[], dist?: Distribution): ParamAxis {
  if (dist?.type === 'categorical') return { kind: 'categorical', name, choices: [...dist.choices] };
  if (values.every((v) => typeof v === 'number')) {
    const [lo, hi] = extent(values as number[]);
    const min = Math.min(dist?.low ?? lo, lo), max = Math.max(dist?.high ?? hi, hi);
    return { kind: 'numeric', name, min, max, log: dist?.log === true && min > 0 };
  }
  // Set members are compared without conversion, so 1, '1' and true stay three choices.
  const choices = [...new Set(values)].sort((a, b) => String(a).localeCompare(String(b)));
  return { kind: 'categorical', name, choices };
}

/** Position in [0, 1]; a categorical choice sits in the middle of its cell, an unknown one at 0.5. */
export function normalise(axis: ParamAxis, v: ParamValue): number {
  if (axis.kind === 'categorical') {
    const i = axis.choices.indexOf(v);
    return i < 0 ? 0.5 : (i + 0.5) / axis.choices.length;
  }
  const x = axis.log ? Math.log(v as number) : (v as number);
  const lo = axis.log ? Math.log(axis.min) : axis.min;
  const hi = axis.log ? Math.log(axis.max) : axis.max;
  return hi > lo ? Math.min(1, Math.max(0, (x - lo) / (hi - lo))) : 0.5;
}

/**
 * Groups the values tried into at most `maxBins` levels: each distinct value when there are that few
 * (grids, integers, categories), otherwise equal-width bins over the axis (log-width on a log axis).
 */
export function levelsOf(axis: ParamAxis, values: readonly ParamValue[], maxBins: number): { levels: Level[]; levelOf: (v: ParamValue) => number } {
  if (axis.kind === 'categorical') {
    const index = new Map(axis.choices.map((c, i) => [c, i]));
    return { levels: axis.choices.map((c) => ({ label: String(c), low: null, high: null })), levelOf: (v) => index.get(v) ?? -1 };
  }
  const seen = new Set<number>();
  for (const v of values as number[]) if (seen.add(v).size > maxBins) break;
  if (seen.size <= maxBins) {
    const distinct = [...seen].sort((a, b) => a - b);
    const index = new Map(distinct.map((v, i) => [v, i]));
    return { levels: distinct.map((v) => ({ label: formatValue(v), low: v, high: v })), levelOf: (v) => index.get(v as number) ?? -1 };
  }
  const step = axis.log ? 0 : integerStep(values as number[]);
  if (step > 0) {
    // Whole numbers get whole-number bins, so that a bin reads "20–35" rather than "[19.6, 35.4)".
    const [min, max] = extent(values as number[]);
    const per = Math.ceil((Math.round((max - min) / step) + 1) / maxBins) * step;
    const count = Math.floor((max - min) / per) + 1;
    const levels = Array.from({ length: count }, (_, k) => {
      const low = min + k * per, high = Math.min(max, low + per - step);
      return { label: low === high ? String(low) : `${low}–${high}`, low, high };
    });
    return { levels, levelOf: (v) => Math.min(count - 1, Math.max(0, Math.floor(((v as number) - min) / per))) };
  }
  const edge = (k: number) => {
    const f = k / maxBins;
    return axis.log ? axis.min * (axis.max / axis.min) ** f : axis.min + (axis.max - axis.min) * f;
  };
  const levels: Level[] = [];
  for (let k = 0; k < maxBins; k++) {
    const low = edge(k), high = edge(k + 1);
    levels.push({ label: `[${formatValue(low)}, ${formatValue(high)}${k === maxBins - 1 ? ']' : ')'}`, low, high });
  }
  return { levels, levelOf: (v) => Math.min(maxBins - 1, Math.max(0, Math.floor(normalise(axis, v) * maxBins))) };
}

/** The largest whole step all values lie on from the smallest, or 0 when they are not all whole numbers. */
function integerStep(values: readonly number[]): number {
  if (!values.every(Number.isSafeInteger)) return 0;
  const [min] = extent(values);
  const gcd = (a: number, b: number): number => (b ? gcd(b, a % b) : a);
  let g = 0;
  for (const v of values) if (g !== 1) g = gcd(g, v - min);
  return g;
}

/** Four significant digits, without a trailing exponent for ordinary magnitudes. */
export function formatValue(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v) && Math.abs(v) < 1e15) return String(v);
  return String(Number(v.toPrecision(4)));
}
