/**
 * The backtest engine: OHLCV data, strategies, a broker with backtesting.py's semantics and its statistics.
 * Pure library: no Temporal, no I/O beyond reading the files it is asked to read.
 */
export type { BacktestOptions, BacktestPhaseMs, Bars, MetricName, Metrics, Trade, TradeColumns } from './types';
export { formatCsv, loadBars, loadCsv, parseCsv, sliceBars, type DataOptions } from './data';
export { parseTimeframe, type Timeframe } from './resample';
export { generateBars, type GenerateOptions } from './generate';
export { Indicators } from './indicatorCache';
export { computeMetric, computeStats } from './stats';
export { runBacktest, runMany, runManySettled, runManyStaged, stageEnds, type BacktestResult, type StagedRun, type StageGate } from './run';
export { Target, type Constraint, type ParamSpec, type ParamValue, type Params, type StrategyDef } from './strategies/types';
export { getStrategy, listStrategies, registerStrategy } from './strategies/registry';
export { loadStrategyModule } from './strategies/module';
export { moduleRef, resolveStrategy, strategyFromModule, type StrategyModuleRef } from './strategies/moduleRef';
export { checkStrategyParams } from './strategies/check';
export { describeParams, parseParamText, resolveParams } from './strategies/params';
