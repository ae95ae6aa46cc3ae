import type { Distribution, ParamValue, Params, SearchSpace } from './types';

/**
 * How a parameter looks to the algorithms: a coordinate u in [0, 1].
 * - `continuous`: u maps linearly (or log-linearly) onto [low, high].
 * - `ordinal`: `size` ordered values (ints, stepped floats), each owning the cell [edge(k), edge(k + 1)).
 * - `categorical`: `size` unordered choices, cell k = [k / size, (k + 1) / size).
 * For a stepped numeric parameter the cells span [low - step/2, high + step/2], as in Optuna's TPE, so that
 * a kernel placed in u-space matches one placed in the parameter's own (log) scale.
 */
export interface Dim {
  readonly name: string;
  readonly kind: 'continuous' | 'ordinal' | 'categorical';
  /** Number of values; 0 for continuous dims. */
  readonly size: number;
  value(u: number): ParamValue;
  unit(v: ParamValue): number;
  /** Lower edge of cell k in u; edge(size) is 1. Ordinal and categorical dims only. */
  edge(k: number): number;
  cellOf(u: number): number;
}

/** Finite spaces larger than this are treated like continuous ones: their indices would not be exact doubles. */
export const MAX_FINITE = 2 ** 52;

const clamp01 = (u: number): number => (u < 0 ? 0 : u > 1 ? 1 : u);
const clampInt = (k: number, n: number): number => (k < 0 ? 0 : k >= n ? n - 1 : k);

function decimals(x: number): number {
  const s = String(x);
  const e = s.indexOf('e-');
  if (e >= 0) return Number(s.slice(e + 2)) + Math.max(0, s.indexOf('.') >= 0 ? e - s.indexOf('.') - 1 : 0);
  const dot = s.indexOf('.');
  return dot < 0 ? 0 : s.length - dot - 1;
}

function linearCells(name: string, n: number, at: (k: number) => ParamValue, kind: Dim['kind'], indexOf: (v: ParamValue) => number): Dim {
  return {
    name,
    kind,
    size: n,
    value: (u) => at(clampInt(Math.floor(u * n), n)),
    unit: (v) => (indexOf(v) + 0.5) / n,
    edge: (k) => k / n,
    cellOf: (u) => clampInt(Math.floor(u * n), n),
  };
}

function numericDim(name: string, dist: Extract<Distribution, { type: 'int' | 'float' }>): Dim {
  const { low, high, log } = dist;
  const step = dist.step ?? (dist.type === 'int' ? 1 : undefined);
  if (step === undefined && low < high) {
    const a = log ? Math.log(low) : low;
    const b = log ? Math.log(high) : high;
    return {
      name,
      kind: 'continuous',
      size: 0,
      value: (u) => {
        const t = a + clamp01(u) * (b - a);
        const v = log ? Math.exp(t) : t;
        return v < low ? low : v > high ? high : v;
      },
      unit: (v) => clamp01(((log ? Math.log(v as number) : (v as number)) - a) / (b - a)),
      edge: () => 0,
      cellOf: () => 0,
    };
  }
  const s = step ?? 1;
  const n = Math.floor((high - low) / s + 1e-9) + 1;
  if (log && n > 1) {
    // Only int parameters with step 1 may be log-scaled; cell k spans [low + k - 0.5, low + k + 0.5] in log scale.
    const a = Math.log(low - 0.5);
    const b = Math.log(high + 0.5);
    const cellOf = (u: number): number => clampInt(Math.round(Math.exp(a + clamp01(u) * (b - a))) - low, n);
    return {
      name,
      kind: 'ordinal',
      size: n,
      value: (u) => low + cellOf(u),
      unit: (v) => (Math.log(v as number) - a) / (b - a),
      edge: (k) => (k >= n ? 1 : k <= 0 ? 0 : (Math.log(low + k - 0.5) - a) / (b - a)),
      cellOf,
    };
  }
  const digits = Math.min(15, Math.max(decimals(low), decimals(s)));
  const at = (k: number): number => (dist.type === 'int' ? low + k * s : Number((low + k * s).toFixed(digits)));
  return linearCells(name, n, at, 'ordinal', (v) => clampInt(Math.round(((v as number) - low) / s), n));
}

export function compileDim(name: string, dist: Distribution): Dim {
  if (dist.type === 'categorical') {
    const choices = dist.choices;
    return linearCells(name, choices.length, (k) => choices[k] as ParamValue, 'categorical', (v) => Math.max(0, choices.indexOf(v)));
  }
  return numericDim(name, dist);
}

/** A search space compiled for the samplers: parameters in sorted name order, each a coordinate in [0, 1]. */
export class Space {
  readonly dims: readonly Dim[];
  /** Number of points when every dim is discrete and there are at most MAX_FINITE of them; else null. */
  readonly size: number | null;

  constructor(space: SearchSpace) {
    // Sorted so that the order of keys in a config file never changes what a seed proposes.
    this.dims = Object.keys(space)
      .sort()
      .map((name) => compileDim(name, space[name] as Distribution));
    let size = 1;
    for (const d of this.dims) size = d.kind === 'continuous' ? Infinity : size * d.size;
    this.size = size <= MAX_FINITE ? size : null;
  }

  decode(x: readonly number[]): Params {
    const params: Params = {};
    this.dims.forEach((d, i) => (params[d.name] = d.value(x[i] as number)));
    return params;
  }

  encode(params: Params): number[] {
    return this.dims.map((d) => d.unit(params[d.name] as ParamValue));
  }

  /** The point as the model will see it once evaluated: discrete coordinates moved onto their value. */
  snap(x: readonly number[]): number[] {
    return this.dims.map((d, i) => (d.kind === 'continuous' ? clamp01(x[i] as number) : d.unit(d.value(x[i] as number))));
  }

  uniform(rng: { float(): number }): number[] {
    return this.dims.map(() => rng.float());
  }

  /** Mixed-radix index of a point of a finite space; the last name in sorted order varies fastest. */
  indexOf(params: Params): number {
    let index = 0;
    for (const d of this.dims) index = index * d.size + d.cellOf(d.unit(params[d.name] as ParamValue));
    return index;
  }

  at(index: number): Params {
    const params: Params = {};
    for (let i = this.dims.length - 1; i >= 0; i--) {
      const d = this.dims[i] as Dim;
      const k = index % d.size;
      index = (index - k) / d.size;
      params[d.name] = d.value(d.edge(k) + (d.edge(k + 1) - d.edge(k)) / 2);
    }
    return this.ordered(params);
  }

  private ordered(params: Params): Params {
    const out: Params = {};
    for (const d of this.dims) out[d.name] = params[d.name] as ParamValue;
    return out;
  }
}
