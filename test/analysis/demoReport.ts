import { analyseWalkForward, paramImportance, sensitivity, weightedRank, type ReportInput } from '../../analysis';
import type { TrialRecord } from '../../types/trial';
import { DEMO_SPACE, START_MS, demoSplits, demoTrials, equityCurve } from './fixtures';

const WEIGHTS = { sharpe: 0.5, calmar: 0.3, max_drawdown_pct: 0.2 };

/** A full report input built the way aggregation builds it, from `trials` (the demo session by default). */
export function demoReportInput(trials: TrialRecord[] = demoTrials(400)): ReportInput {
  const objective = { metric: 'sharpe', direction: 'maximize' as const };
  return {
    sessionId: 'demo-sma-crossover',
    title: 'SMA crossover on daily bars',
    objective,
    trials,
    space: DEMO_SPACE,
    ranking: { weights: WEIGHTS, rows: weightedRank(trials, { weights: WEIGHTS, minTrades: 10 }) },
    importance: paramImportance(trials, { space: DEMO_SPACE, seed: 1 }),
    sensitivity: sensitivity(trials, { direction: 'maximize', space: DEMO_SPACE }),
    bestEquity: equityCurve(1500, START_MS, 11, 0.0005, 0.009),
    walkForward: analyseWalkForward(demoSplits(), { objective }),
    generatedAt: '2024-06-01 12:00 UTC',
  };
}
