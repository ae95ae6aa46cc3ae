import { METRIC_DIRECTION } from '../config/metrics';
import type { Direction } from '../search/types';
import type { TrialRecord } from '../types/trial';
import { InputError } from '../types/errors';
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
  const weights = checkedWeights(options);
  const metrics = Object.keys(weights).sort();
  const directions: Record<string, Direction> = { ...METRIC_DIRECTION, ...options.directions };
  const minTrades = options.minTrades ?? 0;

  const eligible = trials.filter((t) => t.status === 'succeeded' && metrics.every((m) => Number.isFinite(t.metrics[m])));
  const isRankable = (t: TrialRecord) => minTrades <= 0 || (t.metrics.trades ?? -Infinity) >= minTrades;
  const scored = scoreGroup(eligible.filter(isRankable), metrics, weights, directions, true)
    .concat(scoreGroup(eligible.filter((t) => !isRankable(t)), metrics, weights, directions, false));
  scored.forEach((s, i) => (s.rank = i + 1));
  return scored;
}

function scoreGroup(group: TrialRecord[], metrics: string[], weights: Record<string, number>, directions: Record<string, Direction>,
  rankable: boolean): WeightedRank[] {
  const perMetric = metrics.map((m) => {
    const sign = directions[m] === 'maximize' ? 1 : -1;
    return rankScores(group.map((t) => sign * (t.metrics[m] as number)));
  });
  const totalWeight = metrics.reduce((sum, m) => sum + weights[m], 0);
  return group
    .map((trial, i) => {
      const metricScores: Record<string, number> = {};
      let score = 0;
      metrics.forEach((m, k) => {
        metricScores[m] = perMetric[k][i];
        score += weights[m] * perMetric[k][i];
      });
      return { rank: 0, trialId: trial.trialId, score: score / totalWeight, rankable, metricScores, trial };
    })
    .sort((a, b) => b.score - a.score || a.trialId - b.trialId);
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
