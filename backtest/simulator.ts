import { pyFloorDiv } from './numeric';
import { Target } from './strategies/types';
import type { TradeLog } from './tradeLog';
import type { Bars } from './types';

/** Broker settings with every default applied. */
export interface BrokerSettings {
  cash: number;
  /** Commission per fill: a fraction of traded value plus a fixed amount of cash (backtesting.py's `(fixed, relative)`). */
  commission: number;
  commissionFixed: number;
  /** backtesting.py's `spread`: entries fill this fraction above (long) or below (short) the market price. */
  spread: number;
  /** Slippage of market and stop fills: a price amount plus a share of the fill bar's high − low, kept within the bar. */
  slippageFixed: number;
  slippageRange: number;
  /** Share of cash an entry commits, in (0, 1); unused when `sizeUnits` is set. */
  sizeFraction: number;
  /** Whole units each entry buys or sells; 0 for a share of cash. An entry that cash cannot pay for is skipped. */
  sizeUnits: number;
  /** Stop-loss / take-profit distance as a fraction of the signal bar's close; NaN for none. */
  stopLoss: number;
  takeProfit: number;
  /** Trailing stop distance as a fraction of each close while a trade is open; NaN for none. */
  trailingStop: number;
  /**
   * backtesting.py's last bar: a signal from the bar before fills at the last open and closes at once, and a
   * signal on the last bar opens a trade that stays outside the trade list (see {@link runBroker}).
   */
  lastBarEntries: boolean;
}

/**
 * Runs the broker over `targets` with backtesting.py's default semantics (no margin, no hedging): a target set at
 * bar i's close fills at bar i+1's open; an entry first closes any open trade, then buys or sells as many whole
 * units as `floor(cash · f / (price · (1 + spread) + (fixed + f · price · commission) / f))` allows (or
 * `sizeUnits`, when cash pays for them); the spread raises a long's entry price (lowers a short's) and exits
 * fill at the market price; commission is charged on every fill; stop-loss and take-profit are checked from
 * the entry bar on (stop first when both are in range); a trailing stop follows each close; equity is marked
 * to market at every close; a trade still open at the end is closed at the last bar's open (backtesting.py's
 * `finalize_trades`, which re-runs its broker on the last bar). Slippage, which backtesting.py lacks, moves
 * market and stop fills against the trader, within the bar's range; take-profit fills are limit fills and
 * never slip.
 *
 * The last bar follows `s.lastBarEntries` (see {@link runBroker}).
 *
 * Fills `equity` (one value per bar) and `log`; targets before `start` are ignored.
 */
export function simulate(bars: Bars, targets: Int8Array, start: number, s: BrokerSettings, equity: Float64Array, log: TradeLog): void {
  const state = startBroker(start, bars.length, s, equity, log);
  runBroker(bars, targets, s, equity, log, state, bars.length, true);
}

/**
 * Where the broker stands between two bars: what {@link runBroker} keeps in locals while it runs, so a run
 * can stop at any bar and go on from there with exactly the arithmetic of a run that never stopped.
 */
export interface BrokerState {
  /** The next bar to run. */
  next: number;
  cash: number;
  /** Units of the open trade, negative for a short; 0 when flat. */
  size: number;
  /** The open trade's entry price, spread included. */
  entry: number;
  entryBar: number;
  sl: number;
  tp: number;
  /** The target to fill at the next bar's open. */
  pending: number;
  /** Equity reached zero: no more trading, every later bar marks zero. */
  broke: boolean;
}

/** A broker about to run from bar `start` (capped at `n`): the log cleared, bars before it marked at `cash`. */
export function startBroker(start: number, n: number, s: BrokerSettings, equity: Float64Array, log: TradeLog): BrokerState {
  log.clear();
  const first = Math.min(start, n);
  for (let i = 0; i < first; i++) equity[i] = s.cash;
  return { next: first, cash: s.cash, size: 0, entry: 0, entryBar: 0, sl: NaN, tp: NaN, pending: Target.Hold, broke: false };
}

/**
 * Runs the broker from `state.next` up to bar `end` (exclusive) and leaves `state` where it stopped. With
 * `last`, bar `end - 1` is the last bar of the series and a trade still open is closed at its open. What opens
 * on it follows `s.lastBarEntries`: with it, as in backtesting.py, a signal from the bar before fills at its open
 * (and is then closed there, a trade that only pays commission), and a signal on the last bar itself fills at
 * the same open after that close, as backtesting.py's second broker pass on the last bar does: that trade stays
 * out of the trade log (unless its stop-loss or take-profit is hit within the bar) while its entry commission and
 * the bar's P&L reach the last equity. Without it nothing opens on the last bar.
 *
 * A copy of a state run with `last` gives the result of a backtest that ends at `end`, while the state itself
 * goes on: how a trial is measured on a prefix of its window without simulating the prefix again.
 */
export function runBroker(bars: Bars, targets: Int8Array, s: BrokerSettings, equity: Float64Array, log: TradeLog, state: BrokerState, end: number, last: boolean): void {
  const logged = log.count;
  runBars(bars, targets, s, equity, log, state, end, last);
  log.stampTimes(bars.time, logged);
}

/** {@link runBroker} but for the times of the trades it logs. */
function runBars(bars: Bars, targets: Int8Array, s: BrokerSettings, equity: Float64Array, log: TradeLog, state: BrokerState, end: number, last: boolean): void {
  if (state.broke) {
    if (state.next < end) equity.fill(0, state.next, end);
    state.next = Math.max(state.next, end);
    return;
  }
  const { open: O, close: C } = bars;
  // Locals rather than property loads in the per-bar loop.
  const HOLD: number = Target.Hold, LONG: number = Target.Long, SHORT: number = Target.Short;
  const trailing = s.trailingStop === s.trailingStop;
  let { cash, size, entry, entryBar, sl, tp, pending } = state;
  const openBefore = last && !s.lastBarEntries ? end - 1 : end;

  let i = state.next;
  while (i < end) {
    // A trailing stop moves at every close, so bars in a trade that trails are run one by one.
    if (pending === HOLD && !(trailing && size !== 0)) {
      // Most bars change nothing: mark them in a tight loop and stop where something happens.
      const lowStop = size > 0 ? sl : size < 0 ? tp : NaN, highStop = size > 0 ? tp : size < 0 ? sl : NaN;
      const k = quietRun(bars, targets, equity, i, end, cash, size, entry, lowStop, highStop);
      if (k > i) {
        pending = targets[k - 1];
        i = k;
        continue;
      }
    }
    if (pending !== HOLD) {
      if (size !== 0) {
        const exit = marketFill(bars, s, O[i], i, size < 0);
        logTrade(log, s, size, entry, entryBar, sl, tp, exit, i);
        cash += releasedCash(s, size, entry, exit);
        size = 0;
      }
      if ((pending === LONG || pending === SHORT) && i < openBefore) {
        const long = pending === LONG;
        const price = marketFill(bars, s, O[i], i, long);
        const adjusted = withSpread(price, long, s.spread);
        const units = entryUnits(price, adjusted, cash, s);
        if (units > 0) {
          size = long ? units : -units;
          entry = adjusted;
          entryBar = i;
          cash -= commissionOf(s, units, adjusted);
          sl = initialStop(C[i - 1], long, s);
          tp = stopPrice(C[i - 1], long, -s.takeProfit);
        }
      }
      pending = HOLD;
    }
    if (size !== 0 && (sl === sl || tp === tp)) {
      const exit = contingentExit(bars, s, i, size, sl, tp);
      if (exit === exit) {
        logTrade(log, s, size, entry, entryBar, sl, tp, exit, i);
        cash += releasedCash(s, size, entry, exit);
        size = 0;
      }
    }
    const eq = cash + (C[i] * size - size * entry);
    equity[i] = eq;
    if (eq <= 0) {
      // Out of money: backtesting.py closes at this close and stops trading; equity stays at zero.
      if (size !== 0) logTrade(log, s, size, entry, entryBar, sl, tp, C[i], i);
      equity.fill(0, i, end);
      state.broke = true;
      state.next = end;
      return;
    }
    if (trailing && size !== 0) sl = trail(sl, C[i], size > 0, s.trailingStop);
    pending = targets[i];
    i++;
  }
  state.next = i;
  state.cash = cash;
  state.size = size;
  state.entry = entry;
  state.entryBar = entryBar;
  state.sl = sl;
  state.tp = tp;
  state.pending = pending;
  if (last) closeLastBar(bars, s, equity, log, state, end - 1);
}

/**
 * The last bar's own fills (see {@link runBroker}): the open trade closes at its open, then a signal on it opens
 * the trade that stays out of the log. Apart from the bar loop because most runs reach only part of it: code
 * V8 optimized before a branch ever ran leaves the optimized loop each time that branch runs.
 */
function closeLastBar(bars: Bars, s: BrokerSettings, equity: Float64Array, log: TradeLog, state: BrokerState, i: number): void {
  if (state.size !== 0) {
    const { size, entry } = state;
    const exit = marketFill(bars, s, bars.open[i], i, size < 0);
    logTrade(log, s, size, entry, state.entryBar, state.sl, state.tp, exit, i);
    state.cash += releasedCash(s, size, entry, exit);
    state.size = 0;
    equity[i] = state.cash > 0 ? state.cash : 0;
  }
  if (s.lastBarEntries && (state.pending === Target.Long || state.pending === Target.Short)) {
    equity[i] = lastBarEntry(bars, i, state.pending === Target.Long, s, state.cash, log);
    state.pending = Target.Hold;
  }
}

/**
 * Whole units an entry at `price` (`adjusted` with the spread) buys: the same operations as backtesting.py, so
 * that the floor lands on the same number. Its commission per unit is `commission(f, price) / f` for a share
 * `f` of cash, and `commission(n, price) / n` for `n` units; 0 when cash does not pay for one unit (or for `n`).
 */
function entryUnits(price: number, adjusted: number, cash: number, s: BrokerSettings): number {
  const margin = cash > 0 ? cash : 0;
  const n = s.sizeUnits;
  if (n > 0) return n * (adjusted + (s.commissionFixed + n * price * s.commission) / n) > margin ? 0 : n;
  const f = s.sizeFraction;
  const perUnit = adjusted + (s.commissionFixed + f * price * s.commission) / f;
  const units = pyFloorDiv(margin * f, perUnit);
  return units > 0 && !(units * perUnit > margin) ? units : 0;
}

/** backtesting.py's commission of a fill of `units` at `price`: the fixed part plus the relative one. */
function commissionOf(s: BrokerSettings, units: number, price: number): number {
  return s.commissionFixed + units * price * s.commission;
}

/** backtesting.py's `_adjusted_price`: a long's entry `spread` above the market price, a short's below. */
function withSpread(price: number, long: boolean, spread: number): number {
  return spread === 0 ? price : price * (1 + (long ? spread : -spread));
}

/** A market or stop fill at `price` on bar `i`, moved against a buyer (`buy`) or a seller by the slippage, within the bar. */
function marketFill(bars: Bars, s: BrokerSettings, price: number, i: number, buy: boolean): number {
  if (s.slippageFixed === 0 && s.slippageRange === 0) return price;
  const slip = s.slippageFixed + s.slippageRange * (bars.high[i] - bars.low[i]);
  return buy ? Math.min(price + slip, bars.high[i]) : Math.max(price - slip, bars.low[i]);
}

/** A stop-loss (`distance` > 0) or take-profit (`distance` < 0) price `|distance|` away from `ref`; NaN for none. */
function stopPrice(ref: number, long: boolean, distance: number): number {
  if (distance === 0 || Number.isNaN(distance)) return NaN;
  return ref * (long ? 1 - distance : 1 + distance);
}

/** The stop an entry starts with: the nearer of its stop-loss and its trailing stop, both from the signal bar's close `ref`. */
function initialStop(ref: number, long: boolean, s: BrokerSettings): number {
  const fixed = stopPrice(ref, long, s.stopLoss);
  return s.trailingStop === s.trailingStop ? trail(fixed, ref, long, s.trailingStop) : fixed;
}

/** The stop after a close: raised (long) or lowered (short) to `distance` from `close` where that is nearer. */
function trail(sl: number, close: number, long: boolean, distance: number): number {
  const level = close * (long ? 1 - distance : 1 + distance);
  if (sl !== sl) return level;
  return long ? (level > sl ? level : sl) : level < sl ? level : sl;
}

/**
 * The trade a signal on the last bar `i` opens at its open, after every other trade has closed, and the equity it
 * leaves at the bar's close. Its stop-loss and take-profit (from bar i's close) are checked within the bar, and a
 * hit closes it into the log; otherwise it stays open outside the log, as in backtesting.py.
 */
function lastBarEntry(bars: Bars, i: number, long: boolean, s: BrokerSettings, cash: number, log: TradeLog): number {
  const price = marketFill(bars, s, bars.open[i], i, long);
  const adjusted = withSpread(price, long, s.spread);
  const units = entryUnits(price, adjusted, cash, s);
  if (units === 0) return cash > 0 ? cash : 0;
  const size = long ? units : -units;
  cash -= commissionOf(s, units, adjusted);
  const sl = initialStop(bars.close[i], long, s), tp = stopPrice(bars.close[i], long, -s.takeProfit);
  const exit = sl === sl || tp === tp ? contingentExit(bars, s, i, size, sl, tp) : NaN;
  if (exit === exit) {
    logTrade(log, s, size, adjusted, i, sl, tp, exit, i);
    return cash + releasedCash(s, size, adjusted, exit);
  }
  return cash + (bars.close[i] * size - size * adjusted);
}

/**
 * Marks bars from `from` on while nothing happens: returns after the first bar with a target, or before the
 * first bar where the open trade's stop (`low <= lowStop` / `high >= highStop`) is reached or equity would
 * end, or at `end`. Kept apart from the event handling so that V8 compiles it to tight loops.
 */
function quietRun(bars: Bars, targets: Int8Array, equity: Float64Array, from: number, end: number, cash: number,
  size: number, entry: number, lowStop: number, highStop: number): number {
  if (size === 0) return flatRun(targets, equity, from, end, cash);
  const { high: H, low: L, close: C } = bars;
  const cost = size * entry;
  if (lowStop !== lowStop && highStop !== highStop) return unstoppedRun(C, targets, equity, from, end, cash, size, cost);
  for (let j = from; j < end; j++) {
    if (L[j] <= lowStop || H[j] >= highStop) return j;
    const eq = cash + (C[j] * size - cost);
    if (eq <= 0) return j;
    equity[j] = eq;
    if (targets[j] !== 0) return j + 1;
  }
  return end;
}

/** {@link quietRun} of a trade without a stop-loss or take-profit: highs and lows are not read. */
function unstoppedRun(C: Float64Array, targets: Int8Array, equity: Float64Array, from: number, end: number, cash: number, size: number, cost: number): number {
  for (let j = from; j < end; j++) {
    const eq = cash + (C[j] * size - cost);
    if (eq <= 0) return j;
    equity[j] = eq;
    if (targets[j] !== 0) return j + 1;
  }
  return end;
}

/**
 * {@link quietRun} without a trade: every bar marks `cash` (a flat account's `cash + (close · 0 − 0)` for the
 * positive finite prices bars hold), so only the next target is looked for.
 */
function flatRun(targets: Int8Array, equity: Float64Array, from: number, end: number, cash: number): number {
  if (cash <= 0) return from;
  const j = nextTarget(targets, from, end);
  const stop = j < end ? j + 1 : end;
  // A loop, not `fill`: most flat stretches are a few dozen bars, shorter than a builtin call pays off.
  for (let k = from; k < stop; k++) equity[k] = cash;
  return stop;
}

/** The targets array last scanned by {@link nextTarget}, and a view of it four bars a word (empty when unaligned). */
let scanned: Int8Array | undefined;
let scannedWords: Uint32Array<ArrayBufferLike> = new Uint32Array(0);

/** The first bar from `from` (before `end`) with a target, or `end`: four bars at a time where no target is set. */
function nextTarget(targets: Int8Array, from: number, end: number): number {
  if (targets !== scanned) {
    scanned = targets;
    scannedWords = targets.byteOffset % 4 === 0 ? new Uint32Array(targets.buffer, targets.byteOffset, targets.length >> 2) : new Uint32Array(0);
  }
  const words = scannedWords;
  let j = from;
  for (; j < end && (j & 3) !== 0; j++) if (targets[j] !== 0) return j;
  const lastWord = Math.min(end >> 2, words.length);
  let w = j >> 2;
  while (w < lastWord && words[w] === 0) w++;
  if (w << 2 > j) j = w << 2;
  while (j < end && targets[j] === 0) j++;
  return j;
}

/** Records the trade closed at `price`. */
function logTrade(log: TradeLog, s: BrokerSettings, size: number, entry: number, entryBar: number, sl: number, tp: number,
  price: number, bar: number): void {
  const units = Math.abs(size);
  const commissions = commissionOf(s, units, price) + commissionOf(s, units, entry);
  const pl = size * (price - entry);
  const returnFrac = Math.sign(size) * (price / entry - 1) - commissions / (units * entry);
  log.push(size, entryBar, bar, entry, price, sl, tp, pl - commissions, returnFrac, commissions);
}

/**
 * The cash a trade closed at `price` releases: P&L less the exit commission. Apart from {@link logTrade}, which V8
 * does not inline, because a float returned from a call that is not inlined costs an allocation.
 */
function releasedCash(s: BrokerSettings, size: number, entry: number, price: number): number {
  return size * (price - entry) - commissionOf(s, Math.abs(size), price);
}

/**
 * Fill price of a stop-loss or take-profit hit in bar `i` (gaps fill at the open), NaN when neither is hit. The
 * stop becomes a market order and slips; the take-profit is a limit order and does not.
 */
function contingentExit(bars: Bars, s: BrokerSettings, i: number, size: number, sl: number, tp: number): number {
  const open = bars.open[i], high = bars.high[i], low = bars.low[i];
  if (size > 0) {
    if (low <= sl) return marketFill(bars, s, Math.min(open, sl), i, false);
    if (high >= tp) return Math.max(open, tp);
  } else {
    if (high >= sl) return marketFill(bars, s, Math.max(open, sl), i, true);
    if (low <= tp) return Math.min(open, tp);
  }
  return NaN;
}
