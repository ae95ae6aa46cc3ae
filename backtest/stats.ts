import { computeCalendar, type Calendar } from './calendar';
import { DAY_MS } from './dates';
import { inlineLog, logRatio, pairwiseSum, sparsePairwiseSum, variance } from './numeric';
import type { Bars, MetricName, Metrics, TradeColumns } from './types';

/** Work arrays of at least one value per bar, reused across the trials of a batch. */
export class StatsScratch {
  readonly a: Float64Array;
  readonly b: Float64Array;
  readonly c: Float64Array;
  /** The equity's log returns, for beta. */
  readonly d: Float64Array;
  private returns?: Float64Array;
  private losses?: Float64Array;

  constructor(readonly length: number) {
    this.a = new Float64Array(length);
    this.b = new Float64Array(length);
    this.c = new Float64Array(length);
    this.d = new Float64Array(length);
  }

  /** The bars' returns and their squared losses, when each period is one bar (made on first use: daily data only). */
  get barReturns(): Float64Array {
    return (this.returns ??= new Float64Array(this.length));
  }

  get barLosses(): Float64Array {
    return (this.losses ??= new Float64Array(this.length));
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
 * - `max_drawdown_duration` and `avg_drawdown_duration` (the longest and the mean drawdown that ended),
 *   `max_trade_duration` and `avg_trade_duration` (entry to exit time) are in days (fractional for intraday
 *   bars), rounded up to the bar period's unit; means are taken in whole microseconds, as pandas takes them.
 * - `beta` is the covariance of the equity's bar log returns with the close's over the close's variance;
 *   `alpha_pct = return_pct − beta · buy_hold_return_pct` (a zero risk-free rate).
 * - `commissions` adds up the entry and exit commissions of the closed trades.
 * - `buy_hold_return_pct` runs from bar `warmup` (the first bar where the strategy's indicators are defined).
 * - Trade statistics use returns net of commission: `avg_trade_pct` is their geometric mean,
 *   `expectancy_pct` their arithmetic mean, `profit_factor` the sum of gains over the sum of losses (in
 *   returns), `sqn` = √trades · mean P&L / std P&L, `kelly` = W − (1 − W) / (mean win / mean loss).
 * - `exposure_pct` is the share of bars with an open trade, counting entry and exit bars.
 * Where backtesting.py reports something else, backtest/README.md says so.
 */
export function computeStats(trades: TradeColumns, equity: Float64Array, bars: Bars, warmup: number,
  calendar: Calendar = computeCalendar(bars), scratch: StatsScratch = new StatsScratch(bars.length), terms?: ReturnTerms): Metrics {
  const parts = new StatParts(trades, equity, bars, warmup, calendar, scratch, terms);
  // The bars' returns first where each period is one bar (daily bars): the period returns are the same returns
  // with the same logarithms.
  if (calendar.binLast.length === bars.length) parts.computeBars(true);
  return allMetrics(parts);
}

/**
 * One statistic of {@link computeStats}, computing only the passes it needs (a Sharpe ratio reads the period
 * returns, not the drawdowns or the trades): the same arithmetic, so the same value to the last bit.
 */
export function computeMetric(metric: MetricName, trades: TradeColumns, equity: Float64Array, bars: Bars, warmup: number,
  calendar: Calendar = computeCalendar(bars), scratch: StatsScratch = new StatsScratch(bars.length), terms?: ReturnTerms): number {
  return FORMULAS[metric](new StatParts(trades, equity, bars, warmup, calendar, scratch, terms));
}

/**
 * The period returns of a window whose run is measured at the ends of growing prefixes (a staged trial): the
 * return of a period that ends before a prefix's last bar never changes again, so its terms (the return, its
 * logarithm, its squared loss) are kept and each prefix computes only the rest. The logarithms were most of a
 * prefix's statistics; the sums over the terms are still taken anew, in the same order, so every value is the
 * one {@link computeStats} gives without them.
 */
export class ReturnTerms {
  readonly returns: Float64Array;
  readonly logs: Float64Array;
  readonly losses: Float64Array;
  /** The next period (an index into a calendar's `binLast`, from 1) whose terms are not kept. */
  private nextBin = 1;
  private kept = 0;
  private keptWipedOut = false;

  constructor(capacity: number) {
    this.returns = new Float64Array(capacity);
    this.logs = new Float64Array(capacity);
    this.losses = new Float64Array(capacity);
  }

  /** Forgets every kept term: a new run starts. */
  reset(): void {
    this.nextBin = 1;
    this.kept = 0;
    this.keptWipedOut = false;
  }

  /** Keeps the terms of the periods before `upTo` of `binLast`, which the run will not change again. */
  keep(equity: Float64Array, binLast: Int32Array, upTo: number): void {
    if (upTo <= this.nextBin) return;
    const filled = fillReturnTerms(equity, binLast, this.nextBin, upTo, this.returns, this.logs, this.losses, this.kept, this.keptWipedOut);
    this.nextBin = upTo;
    this.kept = filled.m;
    this.keptWipedOut = filled.wipedOut;
  }

  /** The terms of every period of `binLast`, the kept ones reused and the others written after them (not kept). */
  fill(equity: Float64Array, binLast: Int32Array, barLogs?: Float64Array): { m: number; wipedOut: boolean } {
    return fillReturnTerms(equity, binLast, this.nextBin, binLast.length, this.returns, this.logs, this.losses, this.kept, this.keptWipedOut, barLogs);
  }
}

/** What the drawdown passes over the equity find. */
interface DrawdownPart {
  peak: number;
  ddMax: number;
  avgDrawdown: number;
  maxDrawdownDuration: number;
  avgDrawdownDuration: number;
}

/** What the pass over the bars' returns leaves. */
interface BarPart {
  /** `ln(equity[i + 1] / equity[i])`, the bars' log returns (in `scratch.d`). */
  logs: Float64Array;
  /**
   * Each period is one bar and every return lies in (−0.5, 1]: the period returns, their logarithms and squared
   * losses are the bars' (`scratch.barReturns`, `logs`, `scratch.barLosses`), exactly as fillReturnTerms finds them.
   */
  periodTerms: boolean;
}

/** What the pass over the period returns finds. */
interface ReturnPart {
  annual: number;
  returnAnnPct: number;
  volatilityPct: number;
  downside: number;
}

/** What the passes over the trades find. */
interface TradePart {
  count: number;
  wins: number;
  best: number;
  worst: number;
  profitFactor: number;
  meanWin: number;
  meanLoss: number;
  plStd: number;
  exposed: number;
  commissions: number;
  maxTradeDuration: number;
  avgTradeDuration: number;
}

/**
 * The passes behind the statistics, each run on first use and kept: the three write the same scratch arrays
 * but read only what they wrote themselves, so any of them may run alone or after the others.
 */
class StatParts {
  private drawdownPart?: DrawdownPart;
  private returnPart?: ReturnPart;
  private tradePart?: TradePart;
  private betaValue?: number;
  private barPart?: BarPart;
  private logSum?: number;

  constructor(readonly trades: TradeColumns, readonly equity: Float64Array, readonly bars: Bars, readonly warmup: number,
    private readonly calendar: Calendar, readonly scratch: StatsScratch, private readonly terms?: ReturnTerms) {}

  get n(): number {
    return this.bars.length;
  }

  get years(): number {
    return this.calendar.years;
  }

  get drawdowns(): DrawdownPart {
    return (this.drawdownPart ??= drawdownPart(this.equity, this.bars, this.calendar, this.scratch));
  }

  get returns(): ReturnPart {
    const shared = this.barPart;
    return (this.returnPart ??= returnPart(this.equity, this.calendar, this.scratch, this.terms, shared, shared?.periodTerms ? this.barLogSum : undefined));
  }

  get tradeStats(): TradePart {
    return (this.tradePart ??= tradePart(this.trades, this.calendar, this.scratch));
  }

  get beta(): number {
    // With one bar a period (daily bars) the bars' logarithms serve the geometric mean as well, so beta reads them
    // from there; otherwise one pass computes beta alone, without writing them out.
    return (this.betaValue ??= this.calendar.binLast.length === this.n
      ? beta(this.computeBars(false).logs, this.bars, this.barLogSum)
      : intradayBeta(this.equity, this.bars));
  }

  /** numpy's sum of the bars' log returns: beta's mean, and with one bar a period the geometric mean's too. */
  get barLogSum(): number {
    return (this.logSum ??= pairwiseSum(this.computeBars(false).logs, 0, this.n - 1));
  }

  /**
   * The pass over the bars' returns; `periods` asks for the period terms as well where each period is one bar
   * (a staged run keeps its own terms).
   */
  computeBars(periods: boolean): BarPart {
    return (this.barPart ??= barPart(this.equity, this.n, this.scratch, periods && !this.terms && this.calendar.binLast.length === this.n));
  }

  get returnPct(): number {
    return ((this.equity[this.n - 1] - this.equity[0]) / this.equity[0]) * 100;
  }

  get buyHoldReturnPct(): number {
    const close = this.bars.close, first = close[this.warmup];
    return ((close[this.n - 1] - first) / first) * 100;
  }
}

/** Each statistic from the passes it reads, in the order computeStats lists them. */
const FORMULAS: Record<MetricName, (p: StatParts) => number> = {
  equity_final: (p) => p.equity[p.n - 1],
  equity_peak: (p) => p.drawdowns.peak,
  commissions: (p) => p.tradeStats.commissions,
  return_pct: (p) => p.returnPct,
  buy_hold_return_pct: (p) => p.buyHoldReturnPct,
  return_ann_pct: (p) => p.returns.returnAnnPct,
  volatility_ann_pct: (p) => p.returns.volatilityPct,
  cagr_pct: (p) => (p.years ? ((p.equity[p.n - 1] / p.equity[0]) ** (1 / p.years) - 1) * 100 : NaN),
  sharpe: (p) => p.returns.returnAnnPct / (p.returns.volatilityPct || NaN),
  sortino: (p) => p.returns.annual / p.returns.downside,
  calmar: (p) => p.returns.annual / (p.drawdowns.ddMax || NaN),
  alpha_pct: (p) => p.returnPct - p.beta * p.buyHoldReturnPct,
  beta: (p) => p.beta,
  max_drawdown_pct: (p) => -p.drawdowns.ddMax * 100,
  avg_drawdown_pct: (p) => -p.drawdowns.avgDrawdown * 100,
  max_drawdown_duration: (p) => p.drawdowns.maxDrawdownDuration,
  avg_drawdown_duration: (p) => p.drawdowns.avgDrawdownDuration,
  trades: (p) => p.trades.count,
  win_rate_pct: (p) => winRate(p.tradeStats) * 100,
  best_trade_pct: (p) => (p.trades.count ? p.tradeStats.best * 100 : NaN),
  worst_trade_pct: (p) => (p.trades.count ? p.tradeStats.worst * 100 : NaN),
  avg_trade_pct: (p) => geometricMean(p.trades.returnFrac, p.trades.count, p.scratch.b) * 100,
  max_trade_duration: (p) => p.tradeStats.maxTradeDuration,
  avg_trade_duration: (p) => p.tradeStats.avgTradeDuration,
  profit_factor: (p) => p.tradeStats.profitFactor,
  expectancy_pct: (p) => (pairwiseSum(p.trades.returnFrac, 0, p.trades.count) / p.trades.count) * 100,
  sqn: (p) => (Math.sqrt(p.trades.count) * (pairwiseSum(p.trades.pnl, 0, p.trades.count) / p.trades.count)) / (p.tradeStats.plStd || NaN),
  kelly: (p) => winRate(p.tradeStats) - (1 - winRate(p.tradeStats)) / (p.tradeStats.meanWin / -p.tradeStats.meanLoss),
  exposure_pct: (p) => (p.tradeStats.exposed / p.n) * 100,
};

/**
 * Every statistic, in FORMULAS' order, as one object literal: V8 then builds it with one shape, where setting 29 keys
 * in a loop took about 1.5 µs a trial.
 */
function allMetrics(p: StatParts): Metrics {
  const f = FORMULAS;
  return {
    equity_final: f.equity_final(p),
    equity_peak: f.equity_peak(p),
    commissions: f.commissions(p),
    return_pct: f.return_pct(p),
    buy_hold_return_pct: f.buy_hold_return_pct(p),
    return_ann_pct: f.return_ann_pct(p),
    volatility_ann_pct: f.volatility_ann_pct(p),
    cagr_pct: f.cagr_pct(p),
    sharpe: f.sharpe(p),
    sortino: f.sortino(p),
    calmar: f.calmar(p),
    alpha_pct: f.alpha_pct(p),
    beta: f.beta(p),
    max_drawdown_pct: f.max_drawdown_pct(p),
    avg_drawdown_pct: f.avg_drawdown_pct(p),
    max_drawdown_duration: f.max_drawdown_duration(p),
    avg_drawdown_duration: f.avg_drawdown_duration(p),
    trades: f.trades(p),
    win_rate_pct: f.win_rate_pct(p),
    best_trade_pct: f.best_trade_pct(p),
    worst_trade_pct: f.worst_trade_pct(p),
    avg_trade_pct: f.avg_trade_pct(p),
    max_trade_duration: f.max_trade_duration(p),
    avg_trade_duration: f.avg_trade_duration(p),
    profit_factor: f.profit_factor(p),
    expectancy_pct: f.expectancy_pct(p),
    sqn: f.sqn(p),
    kelly: f.kelly(p),
    exposure_pct: f.exposure_pct(p),
  };
}

function winRate(t: TradePart): number {
  return t.count ? t.wins / t.count : NaN;
}

function drawdownPart(equity: Float64Array, bars: Bars, calendar: Calendar, scratch: StatsScratch): DrawdownPart {
  const n = bars.length;
  // Drawdown episodes run between bars at a new peak (drawdown 1 − e/peak == 0), the last one ending at the last
  // bar. For a positive finite peak, e/peak == 1 only where e == peak, and 1 − e/peak falls as e rises (rounding
  // keeps order), so an episode's deepest drawdown is 1 − (its lowest equity)/peak: one division per episode, not
  // per bar. The episodes' depths go to `depths` at bars `ends`, the only non-zero terms of backtesting.py's sum.
  const { a: ends, b: depths } = scratch;
  let peak = -Infinity, ddMax = 0, low = Infinity, regular = true;
  let episodes = 0, longestMs = NaN, totalMs = 0, prev = -1;
  for (let i = 0; i < n; i++) {
    // The bars below the peak, but the last: only the lowest of them counts.
    for (; i < n - 1; i++) {
      const e = equity[i];
      if (e >= peak) break;
      if (e < low) low = e;
    }
    const e = equity[i];
    const atPeak = e >= peak;
    if (!atPeak && e < low) low = e;
    // The episode's depth is measured from the peak it fell from, before a new one replaces it.
    const depth = low === Infinity ? 0 : 1 - low / peak;
    if (atPeak) {
      peak = e;
      if (!(e > 0 && e < Infinity)) regular = false;
    }
    if (depth > ddMax) ddMax = depth;
    if (prev >= 0 && i > prev + 1) {
      ends[episodes] = i;
      depths[episodes] = depth;
      episodes++;
      const ms = bars.time[i] - bars.time[prev];
      if (!(ms <= longestMs)) longestMs = ms;
      totalMs += ms;
    }
    prev = i;
    low = Infinity;
    // Bars that stay at the peak (a flat account's) change nothing but where the last peak was.
    while (i < n - 2 && equity[i + 1] === peak) prev = ++i;
  }
  if (!regular || episodes === 0) return drawdownsBarByBar(equity, bars, calendar, scratch);
  const res = calendar.resolutionMs;
  const maxDrawdownDuration = (Math.ceil(longestMs / res) * res) / DAY_MS;
  const avgDrawdown = sparsePairwiseSum(ends, depths, episodes, n) / episodes;
  return { peak, ddMax, avgDrawdown, maxDrawdownDuration, avgDrawdownDuration: meanDays(totalMs, episodes, res) };
}

/**
 * The drawdowns from every bar's drawdown: for an equity curve with a peak that is not positive and finite, and
 * when no episode has ended, where backtesting.py averages the non-zero drawdowns themselves.
 */
function drawdownsBarByBar(equity: Float64Array, bars: Bars, calendar: Calendar, scratch: StatsScratch): DrawdownPart {
  const n = bars.length;
  const { a: dd, b } = scratch;

  let peak = -Infinity, ddMax = 0;
  for (let i = 0; i < n; i++) {
    const e = equity[i];
    if (e > peak) peak = e;
    const d = 1 - e / peak;
    dd[i] = d;
    if (d > ddMax) ddMax = d;
  }

  b.fill(0, 0, n);
  let episodes = 0, longestMs = NaN, totalMs = 0, prev = -1, runMax = 0;
  for (let i = 0; i < n; i++) {
    const d = dd[i];
    if (d > runMax) runMax = d;
    if (d !== 0 && i !== n - 1) continue;
    if (prev >= 0 && i > prev + 1) {
      episodes++;
      b[i] = runMax;
      const ms = bars.time[i] - bars.time[prev];
      if (!(ms <= longestMs)) longestMs = ms;
      totalMs += ms;
    }
    prev = i;
    runMax = 0;
  }
  let avgDrawdown: number;
  if (episodes > 0) avgDrawdown = pairwiseSum(b, 0, n) / episodes;
  else {
    let nonZero = 0;
    for (let i = 0; i < n; i++) if (dd[i] !== 0) nonZero++;
    avgDrawdown = pairwiseSum(dd, 0, n) / nonZero;
  }
  const res = calendar.resolutionMs;
  const maxDrawdownDuration = (Math.ceil(longestMs / res) * res) / DAY_MS;
  return { peak, ddMax, avgDrawdown, maxDrawdownDuration, avgDrawdownDuration: meanDays(totalMs, episodes, res) };
}

/**
 * The terms of the period returns of periods `from..to-1` (each between the last bars of periods k-1 and k),
 * written after the `m` terms already there: the return, its logarithm (for the geometric mean) and its squared
 * loss (for Sortino). Undefined returns (0/0 once the account is empty) are left out.
 *
 * With `barLogs` (the bars' log returns), a period of one bar whose ratio q lies in [0.5, 2] takes its logarithm
 * from there: q − 1 is then exact (Sterbenz), so `r + 1` is q itself and the logarithm the same.
 */
function fillReturnTerms(equity: Float64Array, bins: Int32Array, from: number, to: number, returns: Float64Array, logs: Float64Array, losses: Float64Array,
  m: number, wipedOut: boolean, barLogs?: Float64Array): { m: number; wipedOut: boolean } {
  for (let k = from; k < to; k++) {
    const before = bins[k - 1], last = bins[k];
    const q = equity[last] / equity[before];
    const r = q - 1;
    if (r !== r) continue;
    const x = r + 1;
    if (x <= 0) wipedOut = true;
    const loss = Math.min(r, 0);
    returns[m] = r;
    // ln 1 is 0: a period where equity did not move needs no logarithm.
    logs[m] = x === 1 ? 0 : barLogs && last === before + 1 && q >= 0.5 && q <= 2 ? barLogs[before] : inlineLog(x);
    losses[m] = loss * loss;
    m++;
  }
  return { m, wipedOut };
}

/** Period returns and what they give: annual return, volatility, the downside for Sortino (terms kept in `terms` reused). */
function returnPart(equity: Float64Array, calendar: Calendar, scratch: StatsScratch, terms?: ReturnTerms, bars?: BarPart, logSum?: number): ReturnPart {
  const bins = calendar.binLast;
  let returns = scratch.c, logs = scratch.b, losses = scratch.a, m = bins.length - 1, wipedOut = false;
  if (bars?.periodTerms) {
    returns = scratch.barReturns;
    logs = bars.logs;
    losses = scratch.barLosses;
  } else {
    if (terms) {
      returns = terms.returns;
      logs = terms.logs;
      losses = terms.losses;
    }
    const filled = terms ? terms.fill(equity, bins, bars?.logs) : fillReturnTerms(equity, bins, 1, bins.length, returns, logs, losses, 0, false, bars?.logs);
    m = filled.m;
    wipedOut = filled.wipedOut;
  }
  const g = geometricMeanOfLogs(logs, m, wipedOut, logSum);
  const downside = Math.sqrt(pairwiseSum(losses, 0, m) / m) * Math.sqrt(calendar.annualDays);
  const D = calendar.annualDays;
  const annual = (1 + g) ** D - 1;
  const dayVar = variance(returns, 0, m, 1);
  const volatilityPct = Math.sqrt((dayVar + (1 + g) ** 2) ** D - (1 + g) ** (2 * D)) * 100;
  return { annual, returnAnnPct: annual * 100, volatilityPct, downside };
}

function tradePart(trades: TradeColumns, calendar: Calendar, scratch: StatsScratch): TradePart {
  const { b, c } = scratch;
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
  const plStd = Math.sqrt(variance(pnl, 0, count, 1));

  // Commissions add up in trade order, as Python's sum does; durations are whole milliseconds, exact in any order.
  let exposed = 0, coveredTo = -1, commissions = 0, longestMs = -Infinity, totalMs = 0;
  for (let k = 0; k < count; k++) {
    const from = Math.max(trades.entryBar[k], coveredTo + 1);
    if (trades.exitBar[k] >= from) exposed += trades.exitBar[k] - from + 1;
    if (trades.exitBar[k] > coveredTo) coveredTo = trades.exitBar[k];
    commissions += trades.commission[k];
    const ms = trades.exitTime[k] - trades.entryTime[k];
    if (ms > longestMs) longestMs = ms;
    totalMs += ms;
  }
  const res = calendar.resolutionMs;
  const maxTradeDuration = count ? (Math.ceil(longestMs / res) * res) / DAY_MS : NaN;
  const avgTradeDuration = meanDays(totalMs, count, res);
  return { count, wins, best, worst, profitFactor, meanWin, meanLoss, plStd, exposed, commissions, maxTradeDuration, avgTradeDuration };
}

/**
 * The mean of `count` durations adding up to `totalMs`, in days, as backtesting.py reports a mean Timedelta:
 * pandas truncates the mean to whole microseconds (the unit of the times it parses), then it is rounded up to
 * the bar period's unit `resolutionMs`. NaN for no durations.
 */
function meanDays(totalMs: number, count: number, resolutionMs: number): number {
  if (count === 0) return NaN;
  const meanUs = Math.trunc((totalMs * 1000) / count), resUs = resolutionMs * 1000;
  return (Math.ceil(meanUs / resUs) * resUs) / (DAY_MS * 1000);
}

/** The close's bar log returns less their mean (numpy's pairwise mean), their sum and their sum of squares: what beta divides by. */
interface MarketReturns {
  deviations: Float64Array;
  sum: number;
  sumSquares: number;
}

// Every trial of a series (or of one window of it) measures against the same closes.
const marketReturns = new WeakMap<Bars, MarketReturns>();

function marketReturnsOf(bars: Bars): MarketReturns {
  let market = marketReturns.get(bars);
  if (!market) {
    const close = bars.close, m = bars.length - 1;
    const deviations = new Float64Array(Math.max(m, 0));
    for (let i = 0; i < m; i++) deviations[i] = Math.log(close[i + 1] / close[i]);
    const mean = pairwiseSum(deviations, 0, m) / m;
    let sum = 0, sumSquares = 0;
    for (let i = 0; i < m; i++) {
      const y = deviations[i] - mean;
      deviations[i] = y;
      sum += y;
      sumSquares += y * y;
    }
    market = { deviations, sum, sumSquares };
    marketReturns.set(bars, market);
  }
  return market;
}

/**
 * The equity's log return from each bar to the next, `ln(equity[i + 1] / equity[i])` for the `bars − 1` pairs, in
 * `scratch.d`; bars where the equity did not move contribute a zero without a logarithm. With `periodTerms`
 * (each period is one bar) the same pass writes the bars' returns and squared losses, the period terms.
 */
function barPart(equity: Float64Array, bars: number, scratch: StatsScratch, periodTerms: boolean): BarPart {
  return periodTerms ? barPeriodTerms(equity, bars, scratch) : { logs: barLogs(equity, bars, scratch.d), periodTerms: false };
}

function barLogs(equity: Float64Array, bars: number, x: Float64Array): Float64Array {
  for (let i = 0; i < bars - 1; i++) {
    const a = equity[i], b = equity[i + 1];
    x[i] = a === b && a > 0 ? 0 : Math.log(b / a);
  }
  return x;
}

function barPeriodTerms(equity: Float64Array, bars: number, scratch: StatsScratch): BarPart {
  const x = scratch.d, returns = scratch.barReturns, losses = scratch.barLosses;
  // A return in (−0.5, 1] comes from a ratio q in [0.5, 2], where r + 1 is q again (see fillReturnTerms).
  let inRange = true;
  for (let i = 0; i < bars - 1; i++) {
    const a = equity[i], b = equity[i + 1];
    if (a === b && a > 0 && a < Infinity) {
      // A bar where equity did not move: its ratio is 1, so every term is 0.
      x[i] = 0;
      returns[i] = 0;
      losses[i] = 0;
      continue;
    }
    const q = b / a;
    x[i] = inlineLog(q);
    const r = q - 1;
    if (!(r > -0.5 && r <= 1)) inRange = false;
    const loss = Math.min(r, 0);
    returns[i] = r;
    losses[i] = loss * loss;
  }
  return { logs: x, periodTerms: inRange };
}

/**
 * backtesting.py's beta: `np.cov` of the equity's and the close's bar log returns `x` (deviations from numpy's
 * pairwise means, `sum` being x's, products summed, both scaled by 1/(m − 1)), covariance over the close's
 * variance. NaN for fewer than two returns.
 */
function beta(x: Float64Array, bars: Bars, sum: number): number {
  const m = bars.length - 1;
  if (m < 2) return NaN;
  const mean = sum / m;
  const { deviations, sumSquares } = marketReturnsOf(bars);
  // Four sums, each of every fourth product, so that an addition need not wait for the one before (numpy's BLAS
  // dot product does not add in bar order either).
  let c0 = 0, c1 = 0, c2 = 0, c3 = 0, i = 0;
  for (; i + 3 < m; i += 4) {
    c0 += (x[i] - mean) * deviations[i];
    c1 += (x[i + 1] - mean) * deviations[i + 1];
    c2 += (x[i + 2] - mean) * deviations[i + 2];
    c3 += (x[i + 3] - mean) * deviations[i + 3];
  }
  for (; i < m; i++) c0 += (x[i] - mean) * deviations[i];
  const cross = (c0 + c1) + (c2 + c3);
  const scale = 1 / (m - 1);
  return (cross * scale) / (sumSquares * scale);
}

/**
 * {@link beta} in one pass over the equity, for bars that are not one a period: no bar's log return is written
 * out, each is taken by {@link logRatio} and summed at once, and `Σ (x − x̄)·y` is taken as `Σ x·y − x̄·Σ y`
 * (the close's deviations y sum to nearly 0). The sums are not numpy's pairwise ones and the logarithm is of the
 * exact ratio, not the rounded one: beta differs from backtesting.py's by rounding alone (up to 6e-14 relative in
 * the fixtures), well inside the conformance tolerance.
 */
function intradayBeta(equity: Float64Array, bars: Bars): number {
  const m = bars.length - 1;
  if (m < 2) return NaN;
  const { deviations, sum: deviationSum, sumSquares } = marketReturnsOf(bars);
  // Two sums of each, the even bars' and the odd ones', so that an addition need not wait for the one before.
  let sum0 = 0, sum1 = 0, cross0 = 0, cross1 = 0, i = 0;
  for (; i + 1 < m; i += 2) {
    const x0 = barLogReturn(equity, i), x1 = barLogReturn(equity, i + 1);
    sum0 += x0;
    cross0 += x0 * deviations[i];
    sum1 += x1;
    cross1 += x1 * deviations[i + 1];
  }
  if (i < m) {
    const x = barLogReturn(equity, i);
    sum0 += x;
    cross0 += x * deviations[i];
  }
  return (cross0 + cross1 - ((sum0 + sum1) / m) * deviationSum) / sumSquares;
}

/** `ln(equity[i + 1] / equity[i])`, 0 without a logarithm where equity did not move. */
function barLogReturn(equity: Float64Array, i: number): number {
  const a = equity[i], b = equity[i + 1];
  return a === b && a > 0 ? 0 : logRatio(a, b);
}

/** backtesting.py's `geometric_mean`: 0 when any return is -100 % or worse, NaN for no returns. */
function geometricMean(returns: ArrayLike<number>, count: number, logs: Float64Array): number {
  let wipedOut = false;
  for (let k = 0; k < count; k++) {
    const x = returns[k] + 1;
    if (x <= 0) wipedOut = true;
    logs[k] = inlineLog(x);
  }
  return geometricMeanOfLogs(logs, count, wipedOut);
}

/** The geometric mean from `count` logarithms (their numpy sum `sum` when already known). */
function geometricMeanOfLogs(logs: Float64Array, count: number, wipedOut: boolean, sum?: number): number {
  if (wipedOut) return 0;
  return Math.exp((sum ?? pairwiseSum(logs, 0, count)) / (count || NaN)) - 1;
}
