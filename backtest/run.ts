import { InputError, InvalidParametersError } from '../errors';
import { computeCalendar, windowCalendar, type Calendar } from './calendar';
import { sliceBars } from './data';
import { Indicators, sharedIndicators } from './indicatorCache';
import { runBroker, simulate, startBroker, type BrokerSettings } from './simulator';
import { ReturnTerms, StatsScratch, computeMetric, computeStats } from './stats';
import { resolveParams } from './strategies/params';
import { getStrategy } from './strategies/registry';
import type { Params, StrategyDef } from './strategies/types';
import { TradeLog } from './tradeLog';
import type { BacktestOptions, BacktestPhaseMs, Bars, MetricName, Metrics, Trade } from './types';

export interface BacktestResult {
  metrics: Metrics;
  /** Closed trades in the order they closed; their bars index the whole series, also for a window. */
  trades: Trade[];
  /**
   * Account equity at every close of the window (the whole series unless a window is given): `equity[k]` is
   * bar `start + k`'s. For a window it is a view into a buffer that also covers the warm-up bars.
   */
  equity: Float64Array;
}

/**
 * One backtest: validates the parameters, computes the strategy's targets, simulates the broker and computes
 * the statistics. Takes well under a millisecond for a few thousand bars.
 *
 * With `options.window` `{ start, end }` (walk-forward windows) the strategy sees bars `[0, end)`: the bars
 * before `start` warm its indicators up, so a 200-bar SMA is defined on a 100-bar window's first bar.
 * - Targets count from bar `max(start, lookback + 1)`: the first fill is at bar `start + 1`'s open at the
 *   earliest, and a window that starts before the strategy is warm trades as a backtest of the whole series
 *   would, from its first warm bar. The bars up to `end` must hold the warm-up plus one bar whose target
 *   counts (`end >= lookback + 2`).
 * - A trade still open at bar `end - 1` closes at that bar's open and entries on it follow `lastBarEntries`, as
 *   at a series' end.
 * - The metrics are `computeStats` of the window's bars `[start, end)`, their equity (starting with `cash`)
 *   and the window's trades: buy & hold from bar `max(start, lookback)`, exposure and drawdowns within the
 *   window, CAGR over its span. Annualisation (252/365/52/12/1 periods a year) and the duration unit are
 *   inferred from the whole series, not the window: backtesting.py's inference is unstable on short windows
 *   (a few monthly bars can look daily), and every window of a series must be annualised alike for
 *   walk-forward ratios to mean anything. On any daily window of a few weeks or more the two agree.
 * A window over the whole series gives exactly the backtest of the whole series.
 *
 * With `phases` the run adds the time of each of its steps there.
 *
 * @throws InvalidParametersError when the parameters break the strategy's declared types, bounds or
 *   constraints, or need more warm-up than the data (or the bars up to the window's end) has; InputError for
 *   bad options, a window outside the bars or empty, or an unknown strategy.
 * @example
 * const { metrics } = runBacktest(loadCsv('data/sample_daily.csv'), 'sma_crossover', { fast: 10, slow: 30 },
 *   { cash: 10_000, commission: 0.002 });
 * const outOfSample = runBacktest(bars, 'sma_crossover', { fast: 50, slow: 200 },
 *   { cash: 10_000, commission: 0.002, window: { start: 1500, end: 1600 } });
 */
export function runBacktest(bars: Bars, strategy: StrategyDef | string, params: Params, options: BacktestOptions, phases = noPhases()): BacktestResult {
  const started = performance.now();
  const def = typeof strategy === 'string' ? getStrategy(strategy) : strategy;
  const settings = brokerSettings(options);
  const work = new Workspace(bars, options.window);
  phases.load += performance.now() - started;
  const metrics = work.run(def, params, settings, phases);
  const log = work.log;
  const trades: Trade[] = [];
  for (let k = 0; k < log.count; k++) {
    trades.push({
      size: log.size[k],
      entryBar: log.entryBar[k],
      exitBar: log.exitBar[k],
      entryTime: bars.time[log.entryBar[k]],
      exitTime: bars.time[log.exitBar[k]],
      entryPrice: log.entryPrice[k],
      exitPrice: log.exitPrice[k],
      sl: log.sl[k],
      tp: log.tp[k],
      pnl: log.pnl[k],
      returnPct: log.returnFrac[k] * 100,
      commission: log.commission[k],
    });
  }
  return { metrics, trades, equity: work.equity };
}

/**
 * Many backtests of one strategy on one series, as a tuning batch runs them: indicators are computed once
 * per distinct argument (one SMA per period across a whole grid) and all buffers are reused, so the cost per
 * trial is a pass for signals, one for the broker and one for the statistics. `options.window` restricts
 * every trial to one window, as in `runBacktest`.
 *
 * @throws InvalidParametersError for the first invalid parameter set (check sets one by one with
 *   `resolveParams` to fail single trials instead).
 * @example
 * const grid = [{ fast: 5, slow: 20 }, { fast: 10, slow: 30 }];
 * const metrics = runMany(bars, 'sma_crossover', grid, { cash: 10_000, commission: 0.002 });
 */
export function runMany(bars: Bars, strategy: StrategyDef | string, paramSets: readonly Params[], options: BacktestOptions): Metrics[] {
  const def = typeof strategy === 'string' ? getStrategy(strategy) : strategy;
  const settings = brokerSettings(options);
  const work = new Workspace(bars, options.window);
  const phases = noPhases();
  return paramSets.map((params) => work.run(def, params, settings, phases));
}

/**
 * `runMany` that settles every parameter set on its own: an invalid or failing set yields its error in its
 * place while the others still run on the shared indicators, as a batch of trials needs. `options` is one for
 * every set, or one per set (a session that tunes its stop-loss, say), all with the same window. With `phases`
 * it adds the time of each step there (a set that fails adds nothing).
 * @throws InputError only for what fails every set alike: bad shared options, a bad window, an unknown strategy.
 */
export function runManySettled(
  bars: Bars,
  strategy: StrategyDef | string,
  paramSets: readonly Params[],
  options: BacktestOptions | readonly BacktestOptions[],
  phases = noPhases(),
): Array<Metrics | Error> {
  const started = performance.now();
  const def = typeof strategy === 'string' ? getStrategy(strategy) : strategy;
  const settingsOf = settingsPerSet(options, paramSets.length);
  const work = new Workspace(bars, windowOf(options));
  phases.load += performance.now() - started;
  return paramSets.map((params, i) => {
    try {
      return work.run(def, params, settingsOf(i), phases);
    } catch (err) {
      return err instanceof Error ? err : new Error(String(err));
    }
  });
}

/** Where a staged trial stopped: the metrics of its window up to the end of `stage`, the last stage it ran. */
export interface StagedRun {
  metrics: Metrics;
  /** 1..stages; `stages` when it ran the whole window, and `metrics` are then its full backtest's. */
  stage: number;
}

/**
 * Told after each stage of trial `trial` (an index into the parameter sets) the value of the objective metric on
 * the window up to that stage's end (NaN where it is undefined), with indicators warm as for the whole run;
 * answers whether the trial goes on. After the last stage the trial is complete and the answer is not read.
 * Stages whose prefix is too short for the trial's warm-up (see {@link stageEnds}) are passed over without a call.
 */
export type StageGate = (trial: number, stage: number, value: number) => boolean;

/**
 * Where each of `stages` stages of a window ends: stage k covers bars `[start, ends[k - 1])`, the first k/S of
 * the window (rounded down), and the last stage ends with the window.
 * @throws InputError when the window has fewer bars than two per stage.
 */
export function stageEnds(window: { start: number; end: number }, stages: number): number[] {
  const length = window.end - window.start;
  if (!Number.isInteger(stages) || stages < 1 || length < 2 * stages) {
    throw new InputError(`Backtest options: ${stages} stages need at least ${2 * stages} bars, two a stage; the window has ${length}.`);
  }
  return Array.from({ length: stages }, (_, k) => window.start + Math.floor(((k + 1) * length) / stages));
}

/**
 * `runManySettled` in stages: each trial's window is cut into `stages` time chunks (see {@link stageEnds}), and
 * after each stage `gate` sees the trial's `objective` on the window so far and decides whether it goes on. The
 * broker runs once over the bars: a stage is measured on a copy of its state closed as a backtest ending at the
 * stage's end would close it, so its values equal that backtest's exactly. A trial ends with the metrics of the
 * stage it stopped after, or, run through every stage, with exactly the metrics of `runManySettled`. What a
 * stage adds is the objective's statistic over the prefix (only the passes it reads: see computeMetric).
 * @throws InputError only for what fails every set alike: bad options, a bad window or stage count, an unknown strategy.
 */
export function runManyStaged(
  bars: Bars,
  strategy: StrategyDef | string,
  paramSets: readonly Params[],
  options: BacktestOptions | readonly BacktestOptions[],
  stages: number,
  objective: MetricName,
  gate: StageGate,
  phases = noPhases(),
): Array<StagedRun | Error> {
  const started = performance.now();
  const def = typeof strategy === 'string' ? getStrategy(strategy) : strategy;
  const settingsOf = settingsPerSet(options, paramSets.length);
  const work = new Workspace(bars, windowOf(options));
  const plan = work.stages(stages);
  phases.load += performance.now() - started;
  return paramSets.map((params, i) => {
    try {
      return work.runStaged(def, params, settingsOf(i), phases, plan, objective, (stage, value) => gate(i, stage, value));
    } catch (err) {
      return err instanceof Error ? err : new Error(String(err));
    }
  });
}

// Series are immutable once loaded, and callers such as the trial evaluator run many backtests on one.
const calendars = new WeakMap<Bars, Calendar>();

function calendarOf(bars: Bars): Calendar {
  let calendar = calendars.get(bars);
  if (!calendar) {
    calendar = computeCalendar(bars);
    calendars.set(bars, calendar);
  }
  return calendar;
}

/** Buffers and shared indicators for the trials of one series, or of one window of it. */
class Workspace {
  readonly targets: Int8Array;
  /** The window's equity, a view into `marked`. */
  readonly equity: Float64Array;
  readonly log = new TradeLog();
  /** Equity of every bar the broker runs over, warm-up included. */
  private readonly marked: Float64Array;
  /** Bars `[0, end)`: all that strategy and broker see. */
  private readonly seen: Bars;
  /** Bars `[start, end)`: what the statistics measure. */
  private readonly measured: Bars;
  private readonly start: number;
  private readonly windowed: boolean;
  private readonly scratch: StatsScratch;
  /** The return terms a staged trial keeps from stage to stage (staged runs only). */
  private terms: ReturnTerms | null = null;
  private readonly calendar: Calendar;
  /** The whole series' calendar, which every window of it is annualised by. */
  private readonly series: Calendar;
  private readonly indicators: Indicators;

  constructor(bars: Bars, window: BacktestOptions['window']) {
    const n = bars.length;
    const { start, end } = window ? checkWindow(window, n) : { start: 0, end: n };
    this.start = start;
    this.windowed = window !== undefined;
    this.seen = end === n ? bars : sliceBars(bars, 0, end);
    this.measured = start === 0 && end === n ? bars : sliceBars(bars, start, end);
    this.targets = new Int8Array(end);
    this.marked = new Float64Array(end);
    this.equity = start === 0 ? this.marked : this.marked.subarray(start);
    this.scratch = new StatsScratch(end - start);
    this.series = calendarOf(bars);
    this.calendar = this.measured === bars ? this.series : windowCalendar(this.series, bars, start, end);
    // A window's bars are a slice made for this batch; the whole series' indicators serve every batch on it.
    this.indicators = this.seen === bars ? sharedIndicators(bars) : new Indicators(this.seen);
    this.indicators.startBatch();
  }

  /**
   * One trial. Its steps are timed a trial at a time, not per indicator: four clock reads (about 0.2 µs)
   * against a trial of tens of microseconds at the least.
   */
  run(def: StrategyDef, params: Params, settings: BrokerSettings, phases: BacktestPhaseMs): Metrics {
    const t0 = performance.now();
    const lookback = this.writeTargets(def, params);
    const t1 = performance.now();
    simulate(this.seen, this.targets, Math.max(this.start, lookback + 1), settings, this.marked, this.log);
    const t2 = performance.now();
    const metrics = this.measure(this.seen.length, lookback, this.measured, this.calendar);
    const t3 = performance.now();
    phases.indicators += t1 - t0;
    phases.simulation += t2 - t1;
    phases.statistics += t3 - t2;
    return metrics;
  }

  /** Where each of `count` stages ends, with the bars and calendar its statistics measure. */
  stages(count: number): StageBounds[] {
    const ends = stageEnds({ start: this.start, end: this.seen.length }, count);
    return ends.map((end, k) =>
      k === count - 1 ? { end, measured: this.measured, calendar: this.calendar } : { end, measured: sliceBars(this.seen, this.start, end), calendar: windowCalendar(this.series, this.seen, this.start, end) },
    );
  }

  /** One trial in stages (see runManyStaged): the broker runs on from each stage, measured on a closed copy of it; `goOn` is told every stage. */
  runStaged(
    def: StrategyDef, params: Params, settings: BrokerSettings, phases: BacktestPhaseMs, stages: StageBounds[], objective: MetricName, goOn: (stage: number, value: number) => boolean,
  ): StagedRun {
    const t0 = performance.now();
    const lookback = this.writeTargets(def, params);
    const { seen, targets, marked, log } = this;
    const state = startBroker(Math.max(this.start, lookback + 1), seen.length, settings, marked, log);
    const terms = (this.terms ??= new ReturnTerms(this.equity.length));
    terms.reset();
    phases.indicators += performance.now() - t0;
    for (let k = 0; k < stages.length; k++) {
      const { end, measured, calendar } = stages[k];
      const final = k === stages.length - 1;
      // The backtest of a window ending here needs the warm-up and one bar whose target counts (see runBacktest).
      if (!final && end < lookback + 2) continue;
      const t1 = performance.now();
      runBroker(seen, targets, settings, marked, log, state, final ? end : end - 1, final);
      const closed = final ? state : { ...state };
      const kept = log.count;
      if (!final) runBroker(seen, targets, settings, marked, log, closed, end, true);
      const t2 = performance.now();
      const equity = this.prefixEquity(end);
      // Periods that end before this stage's last bar are done: their return terms serve every later stage.
      terms.keep(equity, calendar.binLast, calendar.binLast.length - 1);
      const metrics = final ? computeStats(log, equity, measured, this.tradeStart(lookback), calendar, this.scratch, terms) : null;
      const value = metrics ? metrics[objective] : computeMetric(objective, log, equity, measured, this.tradeStart(lookback), calendar, this.scratch, terms);
      const stop = !goOn(k + 1, value) || final;
      const ended = stop ? (metrics ?? computeStats(log, equity, measured, this.tradeStart(lookback), calendar, this.scratch, terms)) : null;
      // The trades the closed copy added are the prefix's alone; the bar it marked, the run marks again.
      log.truncate(kept);
      phases.simulation += t2 - t1;
      phases.statistics += performance.now() - t2;
      if (ended) return { metrics: ended, stage: k + 1 };
    }
    throw new Error('a staged run ends with its last stage');
  }

  /** Checks the parameters and writes the strategy's targets; returns the strategy's lookback. */
  private writeTargets(def: StrategyDef, params: Params): number {
    const { seen, start } = this;
    const resolved = resolveParams(def, params, this.windowed ? undefined : seen.length);
    const lookback = def.lookback(resolved);
    if (this.windowed && lookback + 2 > seen.length) {
      throw new InvalidParametersError(`${def.name}: these parameters need ${lookback + 1} bars before their first signal and one more to trade, `
        + `but window [${start}, ${seen.length}) ends ${seen.length} bars into the data; use shorter periods or a window that ends later.`);
    }
    this.targets.fill(0);
    def.signals(this.indicators, resolved, this.targets);
    return lookback;
  }

  /** The statistics of the window's bars up to `end`, from the equity and trades the broker left. */
  private measure(end: number, lookback: number, measured: Bars, calendar: Calendar): Metrics {
    // Exposure, the only statistic that reads trade bars, uses their differences alone, so the log's
    // series indexes serve as the window's own.
    return computeStats(this.log, this.prefixEquity(end), measured, this.tradeStart(lookback), calendar, this.scratch);
  }

  /** The window's equity up to bar `end`. */
  private prefixEquity(end: number): Float64Array {
    return end === this.seen.length ? this.equity : this.marked.subarray(this.start, end);
  }

  /** Where buy & hold starts, counted from the window's first bar: where the strategy's indicators are defined. */
  private tradeStart(lookback: number): number {
    return Math.max(this.start, lookback) - this.start;
  }
}

/** Where a stage ends, and the bars and calendar of the window up to there. */
interface StageBounds {
  end: number;
  measured: Bars;
  calendar: Calendar;
}

/** A tally nobody reads, for callers that do not ask where the time went. */
function noPhases(): BacktestPhaseMs {
  return { load: 0, indicators: 0, simulation: 0, statistics: 0 };
}

function checkWindow(w: { start: number; end: number }, barCount: number): { start: number; end: number } {
  const { start, end } = w;
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end > barCount || start >= end) {
    throw new InputError(`Backtest options: window must be whole bar indexes with 0 <= start < end <= ${barCount} (the bar count), got [${start}, ${end}).`);
  }
  return { start, end };
}

function isOptionList(options: BacktestOptions | readonly BacktestOptions[]): options is readonly BacktestOptions[] {
  return Array.isArray(options);
}

/**
 * The broker settings of set `i`: checked once when every set shares them (bad ones then fail the whole call),
 * else per set, so that bad settings fail their own set alone.
 */
function settingsPerSet(options: BacktestOptions | readonly BacktestOptions[], count: number): (i: number) => BrokerSettings {
  if (!isOptionList(options)) {
    const shared = brokerSettings(options);
    return () => shared;
  }
  if (options.length !== count) throw new InputError(`Backtest options: ${options.length} options for ${count} parameter sets; give one for all or one per set.`);
  return (i) => brokerSettings(options[i]);
}

/** The one window of the sets: per-set options must agree on it, since the sets share their buffers and indicators. */
function windowOf(options: BacktestOptions | readonly BacktestOptions[]): BacktestOptions['window'] {
  if (!isOptionList(options)) return options.window;
  const window = options[0]?.window;
  const same = (w: BacktestOptions['window']) => w?.start === window?.start && w?.end === window?.end;
  if (!options.every((o) => same(o.window))) throw new InputError('Backtest options: parameter sets run together share one window.');
  return window;
}

function brokerSettings(o: BacktestOptions): BrokerSettings {
  const fail = (message: string): never => {
    throw new InputError(`Backtest options: ${message}`);
  };
  const optional = (value: number | undefined, ok: (v: number) => boolean, what: string, none: number): number => {
    if (value === undefined) return none;
    if (typeof value !== 'number' || !ok(value)) fail(`${what}, got ${String(value)}.`);
    return value;
  };
  if (!(o.cash > 0) || !Number.isFinite(o.cash)) fail(`cash must be a positive number, got ${o.cash}.`);
  if (!(o.commission >= -0.1 && o.commission < 0.1)) fail(`commission is a fraction of traded value in [-0.1, 0.1) (below 0 a rebate), got ${o.commission}.`);
  const f = optional(o.sizeFraction, (v) => v > 0 && v <= 1, 'sizeFraction must lie in (0, 1]', 1);
  const units = optional(o.sizeUnits, (v) => Number.isInteger(v) && v >= 1, 'sizeUnits is a whole number of units from 1', 0);
  if (o.sizeFraction !== undefined && o.sizeUnits !== undefined) fail('give sizeFraction (a share of cash) or sizeUnits (whole units), not both.');
  if (o.slippage !== undefined && (typeof o.slippage !== 'object' || o.slippage === null)) fail(`slippage is { fixed, range }, got ${String(o.slippage)}.`);
  if (o.lastBarEntries !== undefined && typeof o.lastBarEntries !== 'boolean') fail(`lastBarEntries is true or false, got ${String(o.lastBarEntries)}.`);
  return {
    cash: o.cash,
    commission: o.commission,
    commissionFixed: optional(o.commissionFixed, (v) => v >= 0 && Number.isFinite(v), 'commissionFixed is an amount of cash per fill, 0 or more', 0),
    spread: optional(o.spread, (v) => v >= 0 && v < 0.1, 'spread is a fraction of the price in [0, 0.1)', 0),
    slippageFixed: optional(o.slippage?.fixed, (v) => v >= 0 && Number.isFinite(v), 'slippage.fixed is a price amount, 0 or more', 0),
    slippageRange: optional(o.slippage?.range, (v) => v >= 0 && v <= 1, "slippage.range is a share of the bar's high - low in [0, 1]", 0),
    // backtesting.py's all-in order size is 1 - ε, because a size of 1 would mean one unit.
    sizeFraction: f === 1 ? 1 - Number.EPSILON : f,
    sizeUnits: units,
    stopLoss: optional(o.stopLoss, (v) => v > 0 && v < 1, 'stopLoss is a fraction in (0, 1)', NaN),
    takeProfit: optional(o.takeProfit, (v) => v > 0 && Number.isFinite(v), 'takeProfit is a positive fraction', NaN),
    trailingStop: optional(o.trailingStop, (v) => v > 0 && v < 1, 'trailingStop is a fraction in (0, 1)', NaN),
    lastBarEntries: o.lastBarEntries ?? true,
  };
}
