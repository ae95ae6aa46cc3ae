import fs from 'node:fs';
import { loadBars, moduleRef, resolveStrategy, runBacktest, runManySettled, type BacktestOptions, type BacktestPhaseMs, type Bars, type Metrics, type StrategyDef } from '../backtest';
import type { Params } from '../search/types';
import { computeCalendar, windowCalendar } from '../backtest/calendar';
import { runStagedTrials, type StagedEvaluation, type TrialStages } from '../pruning/stagedTrials';
import type { BacktestEvaluatorSpec } from '../types/session';
import type { MetricValues } from '../types/trial';
import { trialBacktest, type TrialBacktest } from './brokerOptions';

// One process or thread serves every session its worker runs, so only a few recent data files stay loaded.
const MAX_CACHED_FILES = 4;
const dataCache = new Map<string, { mtimeMs: number; bars: Bars }>();

/**
 * The bars a session's trials see (its file, in its zone, at its timeframe), read once and again when the file
 * changes; least recently used ones are dropped.
 */
export function sessionBars(spec: Pick<BacktestEvaluatorSpec, 'dataPath' | 'timezone' | 'timeframe'>): Bars {
  const { dataPath: file, timezone, timeframe } = spec;
  const key = JSON.stringify([file, timezone ?? null, timeframe ?? null]);
  const mtimeMs = fs.statSync(file).mtimeMs;
  const hit = dataCache.get(key);
  dataCache.delete(key);
  if (hit && hit.mtimeMs === mtimeMs) {
    dataCache.set(key, hit);
    return hit.bars;
  }
  const loaded = { mtimeMs, bars: loadBars(file, { timezone, timeframe }) };
  dataCache.set(key, loaded);
  if (dataCache.size > MAX_CACHED_FILES) dataCache.delete(dataCache.keys().next().value as string);
  return loaded.bars;
}

/**
 * The session's strategy, from its module version when it has one: the same lookup in pool threads and on
 * the main thread (aggregation, walk-forward evaluation), so every step of a session runs the same code.
 */
function strategyOf(spec: BacktestEvaluatorSpec): StrategyDef {
  const module = spec.strategyModule;
  // Specs written before modules were referenced by content name only the path.
  return resolveStrategy(spec.strategy, typeof module === 'string' ? moduleRef(module) : module);
}

/** The bars (cached) and the strategy of a trial, their time added to `load`. */
function loadInputs(spec: BacktestEvaluatorSpec, phases?: BacktestPhaseMs): { data: Bars; strategy: ReturnType<typeof strategyOf> } {
  const started = performance.now();
  const data = sessionBars(spec);
  const strategy = strategyOf(spec);
  if (phases) phases.load += performance.now() - started;
  return { data, strategy };
}

/**
 * One built-in backtest of a trial, in whatever thread calls it. Metrics the engine cannot define (NaN)
 * become null, so they survive JSON. With `phases` it adds where its time went there, reading the data
 * (cached) included in `load` and turning the metrics into values in `statistics`.
 * @throws InvalidParametersError for parameters the strategy rejects; InputError for bad data or modules.
 */
export function runBacktestTrial(spec: BacktestEvaluatorSpec, params: Params, phases?: BacktestPhaseMs): MetricValues {
  const { data, strategy } = loadInputs(spec, phases);
  const trial = trialBacktest(spec, params, spec.window);
  const result = runBacktest(data, strategy, trial.params, trial.options, phases);
  const converting = performance.now();
  const values = metricValues(result.metrics);
  if (phases) phases.statistics += performance.now() - converting;
  return values;
}

/**
 * Several trials of one session in the calling thread, sharing indicators: each yields its metrics or its own
 * error (InvalidParametersError for a set the strategy rejects), so one bad set never fails its neighbours.
 * With `phases` it adds where their time went there, as {@link runBacktestTrial} does.
 * @throws InputError for what fails every trial alike: bad data, an unknown strategy or module.
 */
export function runBacktestTrials(spec: BacktestEvaluatorSpec, paramSets: readonly Params[], phases?: BacktestPhaseMs): Array<MetricValues | Error> {
  const { data, strategy } = loadInputs(spec, phases);
  const results = settled(spec, paramSets, (sets, options) => runManySettled(data, strategy, sets, options, phases));
  const converting = performance.now();
  const values = results.map((r) => (r instanceof Error ? r : metricValues(r)));
  if (phases) phases.statistics += performance.now() - converting;
  return values;
}

/**
 * {@link runBacktestTrials} in stages, for a session with pruning: each trial yields the metrics it ended with
 * (the whole window's, or those of the stage the rule stopped it after) and how its stages went, or its error.
 * @throws InputError for what fails every trial alike: bad data, an unknown strategy or module, too few bars for the stages.
 */
export function runStagedBacktests(
  spec: BacktestEvaluatorSpec,
  paramSets: readonly Params[],
  staged: StagedEvaluation,
  phases?: BacktestPhaseMs,
): Array<{ metrics: MetricValues; stages: TrialStages } | Error> {
  const { data, strategy } = loadInputs(spec, phases);
  const results = settled(spec, paramSets, (sets, options) => runStagedTrials(data, strategy, sets, options, staged, phases));
  const converting = performance.now();
  const values = results.map((r) => (r instanceof Error ? r : { metrics: metricValues(r.metrics), stages: r.stages }));
  if (phases) phases.statistics += performance.now() - converting;
  return values;
}

/**
 * Runs `run` on the strategy parameters and engine options of a batch of trials; a set whose broker settings do
 * not resolve (a tuned setting missing from it) gets its error in its place and is not run.
 */
function settled<R>(spec: BacktestEvaluatorSpec, paramSets: readonly Params[], run: (sets: Params[], options: BacktestOptions[]) => Array<R | Error>): Array<R | Error> {
  const trials = paramSets.map((params) => {
    try {
      return trialBacktest(spec, params, spec.window);
    } catch (err) {
      return err instanceof Error ? err : new Error(String(err));
    }
  });
  const ready = trials.filter((t): t is TrialBacktest => !(t instanceof Error));
  const results = run(ready.map((t) => t.params), ready.map((t) => t.options));
  let k = 0;
  return trials.map((t) => (t instanceof Error ? t : results[k++]));
}

function metricValues(engine: Metrics): MetricValues {
  const metrics: MetricValues = {};
  for (const [name, value] of Object.entries(engine) as Array<[string, number]>) metrics[name] = Number.isFinite(value) ? value : null;
  return metrics;
}

/** Points of an equity curve a report draws at most; longer curves are thinned evenly. */
const MAX_CURVE_POINTS = 5000;

/** The equity curve of one parameter set (for the report), thinned to at most MAX_CURVE_POINTS points. */
export function bestEquityCurve(spec: BacktestEvaluatorSpec, params: Params): { times: number[]; equity: number[] } {
  const data = sessionBars(spec);
  const trial = trialBacktest(spec, params, undefined);
  const { equity } = runBacktest(data, strategyOf(spec), trial.params, trial.options);
  const step = Math.max(1, Math.ceil(equity.length / MAX_CURVE_POINTS));
  const times: number[] = [];
  const values: number[] = [];
  for (let i = 0; i < equity.length; i += step) {
    times.push(data.time[i]);
    values.push(equity[i]);
  }
  return { times, equity: values };
}

/** One parameter set inside a window of bars (warm-up read from before it): metrics and the window's equity. */
export function runWindow(
  spec: BacktestEvaluatorSpec,
  params: Params,
  window: { start: number; end: number },
): { metrics: MetricValues; times: number[]; equity: number[] } {
  const data = sessionBars(spec);
  const trial = trialBacktest(spec, params, window);
  const result = runBacktest(data, strategyOf(spec), trial.params, trial.options);
  return { metrics: metricValues(result.metrics), times: Array.from(data.time.subarray(window.start, window.end)), equity: Array.from(result.equity) };
}

/** Runs parameter sets again for their per-period returns: the periods the engine's Sharpe ratio counts. */
export interface PeriodReturnSource {
  /** D: periods a year, as the engine annualises. */
  periodsPerYear: number;
  /** The returns between the ends of consecutive periods (bars for daily or coarser data, days for intraday bars), and the run's metrics. */
  returnsOf(params: Params): { returns: Float64Array; metrics: MetricValues };
}

/**
 * Per-period returns of parameter sets on a session's data (inside its window, if it has one), from the same
 * backtest as its trials: deterministic, so a trial run again returns exactly the metrics it stored.
 */
export function periodReturnSource(spec: BacktestEvaluatorSpec): PeriodReturnSource {
  const data = sessionBars(spec);
  const series = computeCalendar(data);
  const bins = (spec.window ? windowCalendar(series, data, spec.window.start, spec.window.end) : series).binLast;
  const strategy = strategyOf(spec);
  return {
    periodsPerYear: series.annualDays,
    returnsOf(params) {
      const trial = trialBacktest(spec, params, spec.window);
      const { equity, metrics } = runBacktest(data, strategy, trial.params, trial.options);
      const returns = new Float64Array(Math.max(0, bins.length - 1));
      for (let k = 1; k < bins.length; k++) returns[k - 1] = equity[bins[k]] / equity[bins[k - 1]] - 1;
      return { returns, metrics: metricValues(metrics) };
    },
  };
}
