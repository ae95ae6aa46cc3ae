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
  /**
   * The zone whose days the bars' daily statistics and resampling follow (an IANA name or a fixed offset such as
   * `+05:30`); UTC when absent.
   */
  readonly timezone?: string;
}

export interface BacktestOptions {
  /** Starting cash. */
  cash: number;
  /** Commission as a fraction of traded value, charged on every fill; in [-0.1, 0.1), below 0 a rebate (as backtesting.py allows). */
  commission: number;
  /** Commission in cash per fill, added to the relative one (backtesting.py's `commission=(fixed, relative)`); 0 unless given. */
  commissionFixed?: number;
  /**
   * backtesting.py's `spread`: a long enters this fraction above the market price and a short below it; exits fill
   * at the market price. 0 unless given.
   */
  spread?: number;
  /**
   * Slippage of every market fill (entries, exits on a signal or at the end) and stop-loss fill: `fixed` price
   * units plus `range` times the fill bar's high − low, against the trader and never beyond the bar's high or
   * low. Take-profit fills are limit fills and do not slip. backtesting.py has no slippage. None unless given.
   */
  slippage?: { fixed?: number; range?: number };
  /** Share of cash each entry commits, in (0, 1]; all-in (backtesting.py's default order size) unless given. */
  sizeFraction?: number;
  /**
   * Whole units each entry buys or sells (backtesting.py's `buy(size=n)` for n >= 1), instead of a share of cash;
   * an entry that cash cannot pay for, commission included, is skipped.
   */
  sizeUnits?: number;
  /** Stop-loss distance from the signal bar's close as a fraction (0.05 = 5 %); none unless given. */
  stopLoss?: number;
  /** Take-profit distance from the signal bar's close as a fraction; none unless given. */
  takeProfit?: number;
  /**
   * Trailing stop distance as a fraction: a trade's stop starts this far from the signal bar's close (or at its
   * stop-loss, whichever is nearer) and after every close moves to this far from that close when that is nearer
   * (backtesting.py's `TrailingStrategy`, by a fraction of the close instead of ATRs). None unless given.
   */
  trailingStop?: number;
  /**
   * backtesting.py's last bar (the default): a signal from the bar before fills at the last open and is closed
   * there at once (a trade that only pays commission), and a signal on the last bar opens a trade at its open that
   * stays outside the trade list while its commission and the bar's P&L reach the final equity. `false`: nothing
   * opens on the last bar, so the final equity is that of the last trade that could be held for a bar. The same
   * holds at a window's last bar.
   */
  lastBarEntries?: boolean;
  /**
   * Trade and measure only bars `[start, end)` of the series (whole bar indexes, half-open, so adjacent
   * windows share no bar); the whole series unless given. Indicators read bars `[0, end)`, so the bars before
   * `start` warm them up and nothing after `end` is seen. Targets count from bar `start` (first fill at bar
   * `start + 1`'s open), or from bar `lookback + 1` when the window starts before the strategy is warm; a
   * trade still open at bar `end - 1` is closed at its open, as at the end of a series. Statistics are those
   * of the window's own bars, equity and trades, starting with `cash` at `start`; see `runBacktest`.
   */
  window?: { start: number; end: number };
}

/** One closed trade. Bars are indexes into the series the backtest ran on, also when it ran on a window of it. */
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
  /** Stop-loss and take-profit prices the trade carried; NaN when none. */
  sl: number;
  tp: number;
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
  /** Entry plus exit commission in cash. */
  readonly commission: Float64Array;
  /** Epoch milliseconds of the entry and exit bars. */
  readonly entryTime: Float64Array;
  readonly exitTime: Float64Array;
}

/**
 * Statistics of one backtest, named as backtesting.py names them, in snake case with units.
 * One name for a metric everywhere: YAML objectives, JSON output, CSV headers and code.
 */
export interface Metrics {
  equity_final: number;
  equity_peak: number;
  /** Entry and exit commissions of the closed trades, in cash. */
  commissions: number;
  return_pct: number;
  buy_hold_return_pct: number;
  return_ann_pct: number;
  volatility_ann_pct: number;
  cagr_pct: number;
  sharpe: number;
  sortino: number;
  calmar: number;
  /** Jensen's alpha with a zero risk-free rate: `return_pct − beta · buy_hold_return_pct`. */
  alpha_pct: number;
  /** Covariance of the equity's and the close's bar log returns over the variance of the close's. */
  beta: number;
  max_drawdown_pct: number;
  avg_drawdown_pct: number;
  max_drawdown_duration: number;
  /** Days, like `max_drawdown_duration`: the mean length of the drawdowns that ended. */
  avg_drawdown_duration: number;
  trades: number;
  win_rate_pct: number;
  best_trade_pct: number;
  worst_trade_pct: number;
  avg_trade_pct: number;
  /** Days from entry to exit of the longest trade, and the mean over trades. */
  max_trade_duration: number;
  avg_trade_duration: number;
  profit_factor: number;
  expectancy_pct: number;
  sqn: number;
  kelly: number;
  exposure_pct: number;
}

export type MetricName = keyof Metrics;

/**
 * Milliseconds backtests spent in each of their steps, added up over the runs that were handed one: setting
 * up (`load`: buffers and calendar of a run or batch; a caller adds reading the data), `indicators` (checking
 * the parameters, computing the indicators no earlier trial of the batch computed, writing the strategy's
 * targets), `simulation` (the broker) and `statistics`.
 */
export interface BacktestPhaseMs {
  load: number;
  indicators: number;
  simulation: number;
  statistics: number;
}
