import { computeCalendar, type Calendar } from './calendar';
import { DAY_MS } from './dates';
import { pairwiseSum, variance } from './numeric';
import type { Bars, Metrics, TradeColumns } from './types';

/** Three work arrays of at least one value per bar, reused across the trials of a batch. */
export class StatsScratch {
  readonly a: Float64Array;
  readonly b: Float64Array;
  readonly c: Float64Array;

  constructor(length: number) {
    this.a = new Float64Array(length);
    this.b = new Float64Array(length);
    this.c = new Float64Array(length);
  }
}

/**
 * The statistics of one backtest with backtesting.py's definitions (`_stats.compute_stats`, v0.6.6), summed
 * in numpy's order so that results agree to the last bits. Undefined values are NaN: ratios with a zero or
 * undefined denominator, trade statistics without trades, dispersion of fewer than two values.
 *
 * - Returns and drawdowns are in percent; `max_drawdown_pct` and `avg_drawdown_pct` are negative.
 * - `return_ann_pct` compounds the geometric mean return per period (day, or week/month/year for coarser
 *   bars) over `calendar.annualDays`; `volatility_ann_pct` is the matching compounded volatility
 *   (not `std · √252`), and `sharpe = return_ann_pct / volatility_ann_pct` with a zero risk-free rate.
 * - `sortino` divides the annual return by the annualised root mean square of negative period returns.
 * - `calmar` divides the annual return by the maximum drawdown.
 * - `max_drawdown_duration` is in days (fractional for intraday bars), rounded up to the bar period's unit.
 * - `buy_hold_return_pct` runs from bar `warmup` (the first bar where the strategy's indicators are defined).
 * - Trade statistics use returns net of commission: `avg_trade_pct` is their geometric mean,
 *   `expectancy_pct` their arithmetic mean, `profit_factor` the sum of gains over the sum of losses (in
 *   returns), `sqn` = √trades · mean P&L / std P&L, `kelly` = W − (1 − W) / (mean win / mean loss).
 * - `exposure_pct` is the share of bars with an open trade, counting entry and exit bars.
 * Where backtesting.py reports something else, backtest/README.md says so.
 */
export function computeStats(trades: TradeColumns, equity: Float64Array, bars: Bars, warmup: number,
  calendar: Calendar = computeCalendar(bars), scratch: StatsScratch = new StatsScratch(bars.length)): Metrics {
  const n = bars.length;
  const { a: dd, b, c } = scratch;

  let peak = -Infinity, ddMax = 0;
  for (let i = 0; i < n; i++) {
    const e = equity[i];
    if (e > peak) peak = e;
    const d = 1 - e / peak;
    dd[i] = d;
    if (d > ddMax) ddMax = d;
  }

  // Drawdown episodes run between bars at a new peak (dd == 0), the last one ending at the last bar.
  b.fill(0, 0, n);
  let episodes = 0, longestMs = NaN, prev = -1, runMax = 0;
  for (let i = 0; i < n; i++) {
    const d = dd[i];
    if (d > runMax) runMax = d;
    if (d !== 0 && i !== n - 1) continue;
    if (prev >= 0 && i > prev + 1) {
      episodes++;
      b[i] = runMax;
      const ms = bars.time[i] - bars.time[prev];
      if (!(ms <= longestMs)) longestMs = ms;
    }
    prev = i;
    runMax = 0;
  }
  let avgDrawdown: number;
  if (episodes > 0) avgDrawdown = pairwiseSum(b, 0, n) / episodes;
  else {
    // backtesting.py then averages the non-zero drawdowns themselves.
    let nonZero = 0;
    for (let i = 0; i < n; i++) if (dd[i] !== 0) nonZero++;
    avgDrawdown = pairwiseSum(dd, 0, n) / nonZero;
  }
  const res = calendar.resolutionMs;
  const maxDrawdownDuration = (Math.ceil(longestMs / res) * res) / DAY_MS;

  // Period returns, their logs (for the geometric mean) and squared losses (for Sortino) in one pass.
  const bins = calendar.binLast;
  let m = 0, wipedOut = false;
  for (let k = 1; k < bins.length; k++) {
    const r = equity[bins[k]] / equity[bins[k - 1]] - 1;
    if (r !== r) continue;
    const x = r + 1;
    if (x <= 0) wipedOut = true;
    const loss = Math.min(r, 0);
    c[m] = r;
    b[m] = Math.log(x);
    dd[m] = loss * loss;
    m++;
  }
  const g = geometricMeanOfLogs(b, m, wipedOut);
  const downside = Math.sqrt(pairwiseSum(dd, 0, m) / m) * Math.sqrt(calendar.annualDays);
  const D = calendar.annualDays;
  const annual = (1 + g) ** D - 1;
  const dayVar = variance(c, 0, m, 1, b);
  const volatilityPct = Math.sqrt((dayVar + (1 + g) ** 2) ** D - (1 + g) ** (2 * D)) * 100;
  const returnAnnPct = annual * 100;

  const count = trades.count;
  const { pnl, returnFrac } = trades;
  let wins = 0, best = -Infinity, worst = Infinity, nPos = 0, nNeg = 0, nWinPl = 0, nLossPl = 0;
  for (let k = 0; k < count; k++) {
    const r = returnFrac[k];
    if (pnl[k] > 0) wins++;
    if (r > best) best = r;
    if (r < worst) worst = r;
    if (r > 0) b[nPos++] = r;
    if (r < 0) c[nNeg++] = r;
  }
  const profitFactor = pairwiseSum(b, 0, nPos) / (Math.abs(pairwiseSum(c, 0, nNeg)) || NaN);
  for (let k = 0; k < count; k++) {
    if (pnl[k] > 0) b[nWinPl++] = pnl[k];
    if (pnl[k] < 0) c[nLossPl++] = pnl[k];
  }
  const meanWin = pairwiseSum(b, 0, nWinPl) / nWinPl;
  const meanLoss = pairwiseSum(c, 0, nLossPl) / nLossPl;
  const winRate = count ? wins / count : NaN;
  const plStd = Math.sqrt(variance(pnl, 0, count, 1, b));

  let exposed = 0, coveredTo = -1;
  for (let k = 0; k < count; k++) {
    const from = Math.max(trades.entryBar[k], coveredTo + 1);
    if (trades.exitBar[k] >= from) exposed += trades.exitBar[k] - from + 1;
    if (trades.exitBar[k] > coveredTo) coveredTo = trades.exitBar[k];
  }

  const close = bars.close;
  return {
    equity_final: equity[n - 1],
    equity_peak: peak,
    return_pct: ((equity[n - 1] - equity[0]) / equity[0]) * 100,
    buy_hold_return_pct: ((close[n - 1] - close[warmup]) / close[warmup]) * 100,
    return_ann_pct: returnAnnPct,
    volatility_ann_pct: volatilityPct,
    cagr_pct: calendar.years ? ((equity[n - 1] / equity[0]) ** (1 / calendar.years) - 1) * 100 : NaN,
    sharpe: returnAnnPct / (volatilityPct || NaN),
    sortino: annual / downside,
    calmar: annual / (ddMax || NaN),
    max_drawdown_pct: -ddMax * 100,
    avg_drawdown_pct: -avgDrawdown * 100,
    max_drawdown_duration: maxDrawdownDuration,
    trades: count,
    win_rate_pct: winRate * 100,
    best_trade_pct: count ? best * 100 : NaN,
    worst_trade_pct: count ? worst * 100 : NaN,
    avg_trade_pct: geometricMean(returnFrac, count, b) * 100,
    profit_factor: profitFactor,
    expectancy_pct: (pairwiseSum(returnFrac, 0, count) / count) * 100,
    sqn: (Math.sqrt(count) * (pairwiseSum(pnl, 0, count) / count)) / (plStd || NaN),
    kelly: winRate - (1 - winRate) / (meanWin / -meanLoss),
    exposure_pct: (exposed / n) * 100,
  };
}

/** backtesting.py's `geometric_mean`: 0 when any return is -100 % or worse, NaN for no returns. */
function geometricMean(returns: ArrayLike<number>, count: number, logs: Float64Array): number {
  let wipedOut = false;
  for (let k = 0; k < count; k++) {
    const x = returns[k] + 1;
    if (x <= 0) wipedOut = true;
    logs[k] = Math.log(x);
  }
  return geometricMeanOfLogs(logs, count, wipedOut);
}

function geometricMeanOfLogs(logs: Float64Array, count: number, wipedOut: boolean): number {
  if (wipedOut) return 0;
  return Math.exp(pairwiseSum(logs, 0, count) / (count || NaN)) - 1;
}
