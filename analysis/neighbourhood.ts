import type { Direction, Params, SearchSpace } from '../search/types';

/**
 * Parameter sets as points of the normalised space the robust choice measures distance in: a numeric
 * parameter scaled to [0, 1] by its range in the search space (a log parameter in log space), a categorical
 * one as the index of its choice, which only compares equal or not.
 */
export interface PointEncoder {
  /** Coordinates per point: one per parameter, in sorted name order. */
  width: number;
  encode(params: Params): Float64Array;
  /** Euclidean distance, a categorical coordinate adding 0 when equal and 1 when not; `b` is read from `offset`. */
  distance(a: ArrayLike<number>, b: ArrayLike<number>, offset?: number): number;
}

export function pointEncoder(space: SearchSpace): PointEncoder {
  const names = Object.keys(space).sort();
  const categorical = names.map((n) => space[n].type === 'categorical');
  const axes = names.map((name) => {
    const d = space[name];
    if (d.type === 'categorical') return (v: Params[string]) => d.choices.indexOf(v);
    const log = d.log === true && d.low > 0;
    const lo = log ? Math.log(d.low) : d.low;
    const span = (log ? Math.log(d.high) : d.high) - lo;
    return (v: Params[string]) => {
      if (typeof v !== 'number') return NaN;
      return span > 0 ? ((log ? Math.log(v) : v) - lo) / span : 0;
    };
  });
  return {
    width: names.length,
    encode: (params) => Float64Array.from(names, (name, i) => axes[i](params[name])),
    distance: (a, b, offset = 0) => {
      let sum = 0;
      for (let i = 0; i < categorical.length; i++) {
        const d = categorical[i] ? (a[i] === b[offset + i] ? 0 : 1) : a[i] - b[offset + i];
        sum += d * d;
      }
      return Math.sqrt(sum);
    },
  };
}

/** A trial the robust choice re-ranks: one of the best by the objective. */
export interface Centre {
  trialId: number;
  params: Params;
  objective: number;
  /** 1 for the best by the objective. */
  rank: number;
}

export interface NeighbourhoodStats {
  /** Ranked trials within the radius, the trial itself left out. */
  neighbours: number;
  /** Mean objective of the trial and its neighbours. */
  mean: number;
  /** Worst objective of the trial and its neighbours, in the objective's direction. */
  worst: number;
}

/**
 * The neighbourhood of a few trials, gathered in one pass over every ranked trial: memory is a few numbers
 * per centre, whatever the number of trials; time is centres × trials × parameters.
 */
export class NeighbourhoodPass {
  private readonly points: Float64Array[];
  private readonly count: Float64Array;
  private readonly sum: Float64Array;
  private readonly worst: Float64Array;
  private readonly sign: number;
  /** The radius, inclusive, with room for rounding: grid points exactly one radius apart are neighbours. */
  private readonly reach: number;

  constructor(
    private readonly centres: readonly Centre[],
    private readonly encoder: PointEncoder,
    radius: number,
    direction: Direction,
  ) {
    this.reach = radius * (1 + 1e-9);
    this.sign = direction === 'maximize' ? 1 : -1;
    this.points = centres.map((c) => encoder.encode(c.params));
    // Each centre belongs to its own neighbourhood from the start; the pass then skips it.
    this.count = new Float64Array(centres.length);
    this.sum = Float64Array.from(centres, (c) => c.objective);
    this.worst = Float64Array.from(centres, (c) => this.sign * c.objective);
  }

  /** One ranked trial, its coordinates at `offset` of `point` (see {@link PointEncoder.encode}). */
  offer(trialId: number, objective: number, point: ArrayLike<number>, offset = 0): void {
    for (let i = 0; i < this.centres.length; i++) {
      if (trialId === this.centres[i].trialId || !(this.encoder.distance(this.points[i], point, offset) <= this.reach)) continue;
      this.count[i] += 1;
      this.sum[i] += objective;
      this.worst[i] = Math.min(this.worst[i], this.sign * objective);
    }
  }

  /** Per centre, in the order given. */
  stats(): NeighbourhoodStats[] {
    return this.centres.map((_, i) => ({ neighbours: this.count[i], mean: this.sum[i] / (this.count[i] + 1), worst: this.sign * this.worst[i] }));
  }
}

export type SelectBy = 'objective' | 'neighbourhood_mean' | 'neighbourhood_worst';

export interface RobustRow extends Centre, NeighbourhoodStats {
  /**
   * Rank by the neighbourhood statistic `select.by` names (neighbourhood_mean when it is the objective), among
   * the trials with at least `min_neighbours` neighbours; null for the others.
   */
  robustRank: number | null;
}

export interface RobustChoice {
  /** Best by the objective first. */
  rows: RobustRow[];
  /** The trial best_params.json recommends; null when no trial was ranked. */
  recommended: RobustRow | null;
  /** What chose it: `select.by`, or `objective` when no trial had enough neighbours. */
  recommendedBy: SelectBy;
  /** Why the recommendation fell back to the objective; absent when it did not. */
  fallback?: string;
}

export interface SelectOptions {
  by: SelectBy;
  minNeighbours: number;
  radius: number;
  direction: Direction;
}

/**
 * Re-ranks the best trials by their neighbourhood. A trial with fewer than `minNeighbours` neighbours gets no
 * robust rank: its neighbourhood says too little. Ties go to the better rank by the objective. When no trial
 * has enough neighbours, the best by the objective is recommended, and `fallback` says why.
 */
export function robustChoice(centres: readonly Centre[], stats: readonly NeighbourhoodStats[], options: SelectOptions): RobustChoice {
  const sign = options.direction === 'maximize' ? 1 : -1;
  const statistic = options.by === 'neighbourhood_worst' ? 'worst' : 'mean';
  const rows: RobustRow[] = centres.map((c, i) => ({ ...c, ...stats[i], robustRank: null }));
  const eligible = rows.filter((r) => r.neighbours >= options.minNeighbours).sort((a, b) => sign * (b[statistic] - a[statistic]) || a.rank - b.rank);
  eligible.forEach((r, i) => (r.robustRank = i + 1));
  if (options.by === 'objective' || rows.length === 0) return { rows, recommended: rows[0] ?? null, recommendedBy: 'objective' };
  if (eligible.length > 0) return { rows, recommended: eligible[0], recommendedBy: options.by };
  return {
    rows,
    recommended: rows[0],
    recommendedBy: 'objective',
    fallback: `none of the ${rows.length} best trials has ${options.minNeighbours} neighbours within radius ${options.radius} ` +
      '(widen select.radius, lower select.min_neighbours or run more trials)',
  };
}
