/** Columnar OHLCV bars. `time` holds epoch milliseconds (UTC). Slices share the parent's buffers. */
export interface Bars {
  readonly time: Float64Array;
  readonly open: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
  readonly volume: Float64Array;
  readonly length: number;
  /** Where the bars came from (a file path or a generator description), for messages. */
  readonly source: string;
}

export interface BacktestOptions {
  /** Starting cash. */
  cash: number;
  /** Commission as a fraction of traded value, charged on every fill. */
  commission: number;
  /** Share of cash each entry commits, in (0, 1]; all-in (backtesting.py's default order size) unless given. */
  sizeFraction?: number;
  /** Stop-loss distance from the signal bar's close as a fraction (0.05 = 5 %); none unless given. */
  stopLoss?: number;
  /** Take-profit distance from the signal bar's close as a fraction; none unless given. */
  takeProfit?: number;
}

/** One closed trade. Bars are indexes into the series the backtest ran on. */
export interface Trade {
  /** Whole units, negative for a short. */
  size: number;
  entryBar: number;
  exitBar: number;
  /** Epoch milliseconds (UTC) of the entry and exit bars. */
  entryTime: number;
  exitTime: number;
  entryPrice: number;
  exitPrice: number;
  /** Profit in cash, net of the entry and exit commissions. */
  pnl: number;
  /** Return on the entry value in percent, net of commissions. */
  returnPct: number;
  /** Entry plus exit commission in cash. */
  commission: number;
}

/** Closed trades as columns; what the statistics read. */
export interface TradeColumns {
  readonly count: number;
  readonly entryBar: Int32Array;
  readonly exitBar: Int32Array;
  readonly pnl: Float64Array;
  /** Net return as a fraction of the entry value. */
  readonly returnFrac: Float64Array;
}

/**
 * Statistics of one backtest, named as backtesting.py names them, in snake case with units.
 * One name for a metric everywhere: YAML objectives, JSON output, CSV headers and code.
 */
export interface Metrics {
  equity_final: number;
  equity_peak: number;
  return_pct: number;
  buy_hold_return_pct: number;
  return_ann_pct: number;
  volatility_ann_pct: number;
  cagr_pct: number;
  sharpe: number;
  sortino: number;
  calmar: number;
  max_drawdown_pct: number;
  avg_drawdown_pct: number;
  max_drawdown_duration: number;
  trades: number;
  win_rate_pct: number;
  best_trade_pct: number;
  worst_trade_pct: number;
  avg_trade_pct: number;
  profit_factor: number;
  expectancy_pct: number;
  sqn: number;
  kelly: number;
  exposure_pct: number;
}

export type MetricName = keyof Metrics;
