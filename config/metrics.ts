import type { MetricName } from '../backtest/types';

/** Whether a larger value of a metric is better. `max_drawdown_pct` is negative, so larger is better there too. */
export const METRIC_DIRECTION: Record<MetricName, 'maximize' | 'minimize'> = {
  equity_final: 'maximize',
  equity_peak: 'maximize',
  commissions: 'minimize',
  return_pct: 'maximize',
  buy_hold_return_pct: 'maximize',
  return_ann_pct: 'maximize',
  volatility_ann_pct: 'minimize',
  cagr_pct: 'maximize',
  sharpe: 'maximize',
  sortino: 'maximize',
  calmar: 'maximize',
  alpha_pct: 'maximize',
  // Less of the return explained by the market is the aim of most searches that look at beta.
  beta: 'minimize',
  max_drawdown_pct: 'maximize',
  avg_drawdown_pct: 'maximize',
  max_drawdown_duration: 'minimize',
  avg_drawdown_duration: 'minimize',
  trades: 'maximize',
  win_rate_pct: 'maximize',
  best_trade_pct: 'maximize',
  worst_trade_pct: 'maximize',
  avg_trade_pct: 'maximize',
  max_trade_duration: 'minimize',
  avg_trade_duration: 'minimize',
  profit_factor: 'maximize',
  expectancy_pct: 'maximize',
  sqn: 'maximize',
  kelly: 'maximize',
  exposure_pct: 'maximize',
};

export const METRIC_NAMES = Object.keys(METRIC_DIRECTION) as MetricName[];

/**
 * The objective in words, e.g. `maximize sharpe`, or for several `Pareto front of maximize sharpe, maximize
 * max_drawdown_pct`.
 */
export function objectiveText(spec: { objective: { metric: string; direction: string }; objectives?: { metric: string; direction: string }[] }): string {
  const one = (o: { metric: string; direction: string }) => `${o.direction} ${o.metric}`;
  return spec.objectives ? `Pareto front of ${spec.objectives.map(one).join(', ')}` : one(spec.objective);
}
