import fs from 'node:fs';
import { getStrategy, loadCsv, loadStrategyModule, runBacktest } from '../backtest';
import type { Bars } from '../backtest/types';
import type { Params } from '../search/types';
import type { EvaluatorSpec } from '../types/session';
import type { MetricValues } from '../types/trial';

/** What a worker needs to run one trial. Small: it travels through workflow history. */
export interface TrialInput {
  sessionId: string;
  trialId: number;
  params: Params;
  evaluator: EvaluatorSpec;
  objective: { metric: string; direction: 'maximize' | 'minimize' };
}

/**
 * Runs one trial and returns its metrics. Throws InvalidParametersError for parameter sets the strategy
 * rejects (never retried) and any other error for failures worth a retry.
 */
export type TrialEvaluator = (input: TrialInput, signal: AbortSignal) => Promise<MetricValues>;

/** Evaluates trials with the built-in engine, loading each data file once per worker (again when it changes). */
export function createBacktestEvaluator(): TrialEvaluator {
  const cache = new Map<string, { mtimeMs: number; bars: Bars }>();
  const loadedModules = new Set<string>();

  const bars = (file: string): Bars => {
    const mtimeMs = fs.statSync(file).mtimeMs;
    const hit = cache.get(file);
    if (hit && hit.mtimeMs === mtimeMs) return hit.bars;
    const loaded = loadCsv(file);
    cache.set(file, { mtimeMs, bars: loaded });
    return loaded;
  };

  return async (input) => {
    const spec = input.evaluator;
    if (spec.strategyModule && !loadedModules.has(spec.strategyModule)) {
      loadStrategyModule(spec.strategyModule);
      loadedModules.add(spec.strategyModule);
    }
    const result = runBacktest(bars(spec.dataPath), getStrategy(spec.strategy), input.params, {
      cash: spec.cash,
      commission: spec.commission,
    });
    const metrics: MetricValues = {};
    for (const [name, value] of Object.entries(result.metrics) as Array<[string, number]>) metrics[name] = Number.isFinite(value) ? value : null;
    return metrics;
  };
}
