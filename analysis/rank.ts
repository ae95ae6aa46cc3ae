import { METRIC_DIRECTION } from '../config/metrics';
import type { Direction } from '../search/types';
import type { TrialRecord } from '../types/trial';
import { InputError } from '../errors';
import { rankScores } from './numeric';

export interface WeightedRankOptions {
  /** Metric name to weight, e.g. `{ sharpe: 0.5, calmar: 0.3, max_drawdown_pct: 0.2 }`; finite, ≥ 0, summing to more than 0. */
  weights: Record<string, number>;
  /** Trials with fewer `trades` than this (or no `trades` metric) are not rankable; 0, the default, disables the guard. */
  minTrades?: number;
  /** Directions of metrics `config/metrics.ts` does not know, such as an external evaluator's own metrics. */
  directions?: Record<string, Direction>;
}

export interface WeightedRank {
  /** 1 for the best trial; rankable trials come first. */
  rank: number;
  trialId: number;
  /** Weighted mean of the metric scores, in [0, 1]; 1 means best on every weighted metric. */
  score: number;
  rankable: boolean;
  /** Per weighted metric, the trial's rank score in [0, 1] (1 = best) within its group. */
  metricScores: Record<string, number>;
  trial: TrialRecord;
}

/**
 * Ranks trials under several metrics at once.
 *
 * Method: only succeeded trials whose weighted metrics are all finite take part. Trials are split into
 * rankable ones and, when `minTrades` is set, those with too few trades, which would otherwise win on
 * luck; each group is scored on its own and the second is listed after the first. Within a group, each
 * metric ranks the trials from worst to best in the metric's direction (`METRIC_DIRECTION`, larger is
 * better except volatility and drawdown duration), tied values sharing their average rank, and the rank r
 * of n becomes the score (r − 1) / (n − 1), so the best trial scores 1 and the worst 0 whatever the
 * metric's scale or outliers. A trial's score is the weighted mean of its metric scores. Order: score
 * descending, then trial id ascending, so that the order is the same on every run.
 *
 * @throws InputError when a weight is negative or not finite, the weights sum to 0, or a weighted metric
 *   has no known direction.
 * @example weightedRank(trials, { weights: { sharpe: 0.5, calmar: 0.3, max_drawdown_pct: 0.2 }, minTrades: 10 })
 */
export function weightedRank(trials: readonly TrialRecord[], options: WeightedRankOptions): WeightedRank[] {
  const plan = weightedRankPlan(options);
  const eligible = trials.filter(plan.eligible);
  const columns: RankColumns = {
    ids: eligible.map((t) => t.trialId),
    values: Object.fromEntries(plan.metrics.map((m) => [m, eligible.map((t) => t.metrics[m] as number)])),
    rankable: eligible.map(plan.rankable),
  };
  const ranks = rankColumns(plan, columns);
  return Array.from(ranks.order, (i, position) => ({
    rank: position + 1,
    trialId: eligible[i].trialId,
    score: ranks.score[i],
    rankable: columns.rankable[i],
    metricScores: Object.fromEntries(plan.metrics.map((m) => [m, ranks.metricScores[m][i]])),
    trial: eligible[i],
  }));
}

/** The checked weights of a weighted rank and which trials take part, for callers that build {@link RankColumns} themselves. */
export interface WeightedRankPlan {
  /** Weighted metrics (weight > 0), sorted. */
  metrics: string[];
  weights: Record<string, number>;
  directions: Record<string, Direction>;
  /** Succeeded, with every weighted metric finite. */
  eligible: (t: TrialRecord) => boolean;
  /** Has at least `minTrades` trades (always, without the guard). */
  rankable: (t: TrialRecord) => boolean;
}

/** @throws InputError as {@link weightedRank}. */
export function weightedRankPlan(options: WeightedRankOptions): WeightedRankPlan {
  const weights = checkedWeights(options);
  const metrics = Object.keys(weights).sort();
  const minTrades = options.minTrades ?? 0;
  return {
    metrics,
    weights,
    directions: { ...METRIC_DIRECTION, ...options.directions },
    eligible: (t) => t.status === 'succeeded' && metrics.every((m) => Number.isFinite(t.metrics[m])),
    rankable: (t) => minTrades <= 0 || (t.metrics.trades ?? -Infinity) >= minTrades,
  };
}

/** The eligible trials as columns: index i is one trial. Plain numbers, so a million trials take a few MB per metric. */
export interface RankColumns {
  ids: ArrayLike<number>;
  values: Record<string, ArrayLike<number>>;
  rankable: ArrayLike<boolean>;
}

export interface ColumnRanks {
  /** Column indexes, best first (rank 1 first). */
  order: Int32Array;
  /** Per column index: the weighted score in [0, 1]. */
  score: Float64Array;
  /** Per column index: the rank, from 1. */
  rank: Int32Array;
  /** Per weighted metric and column index: the metric's rank score within the trial's group. */
  metricScores: Record<string, Float64Array>;
}

/** {@link weightedRank} on columns, by the same method and order. */
export function rankColumns(plan: WeightedRankPlan, columns: RankColumns): ColumnRanks {
  const n = columns.ids.length;
  const score = new Float64Array(n);
  const metricScores = Object.fromEntries(plan.metrics.map((m) => [m, new Float64Array(n)]));
  const totalWeight = plan.metrics.reduce((sum, m) => sum + plan.weights[m], 0);
  const groups = [true, false].map((rankable) => {
    const group: number[] = [];
    for (let i = 0; i < n; i++) if (columns.rankable[i] === rankable) group.push(i);
    for (const m of plan.metrics) {
      const sign = plan.directions[m] === 'maximize' ? 1 : -1;
      const values = columns.values[m];
      const scores = rankScores(group.map((i) => sign * values[i]));
      group.forEach((i, k) => {
        metricScores[m][i] = scores[k];
        score[i] += plan.weights[m] * scores[k];
      });
    }
    for (const i of group) score[i] /= totalWeight;
    return group.sort((a, b) => score[b] - score[a] || columns.ids[a] - columns.ids[b]);
  });
  const order = Int32Array.from([...groups[0], ...groups[1]]);
  const rank = new Int32Array(n);
  order.forEach((i, position) => (rank[i] = position + 1));
  return { order, score, rank, metricScores };
}

function checkedWeights(options: WeightedRankOptions): Record<string, number> {
  const known = { ...METRIC_DIRECTION, ...options.directions };
  const weights: Record<string, number> = {};
  let total = 0;
  for (const [metric, w] of Object.entries(options.weights)) {
    if (!Number.isFinite(w) || w < 0) throw new InputError(`rank weight of "${metric}" must be a finite number >= 0, got ${w}`);
    if (!Object.hasOwn(known, metric)) {
      throw new InputError(`rank metric "${metric}" has no known direction; use one of ${Object.keys(METRIC_DIRECTION).join(', ')}, or give its direction`);
    }
    if (w > 0) weights[metric] = w;
    total += w;
  }
  if (total <= 0) throw new InputError('rank weights must sum to more than 0, e.g. { sharpe: 1 }');
  return weights;
}
