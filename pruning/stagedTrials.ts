import { runManyStaged, type BacktestOptions, type BacktestPhaseMs, type Bars, type MetricName, type Metrics, type Params, type StrategyDef } from '../backtest';
import type { Direction } from '../search/types';
import type { PruningSpec } from '../types/session';
import { CheckpointValues, type StoredReports } from './checkpointValues';
import { pruningRule, type StageReport, type TrialJudge } from './rules';

/** What trials of a session with pruning need besides their parameters: the rule, and the reports it reads. */
export interface StagedEvaluation {
  pruning: PruningSpec;
  objective: { metric: string; direction: Direction };
  /** The session's reports as the batch read them from the trial store, one per checkpoint of the rule. */
  reports: StoredReports[];
}

/** How a staged trial went: its objective after each stage it ran, where the rule stopped it, what it reported. */
export interface TrialStages {
  /** The objective after stage 1, 2, …; null where it is undefined or the stage was too short for the warm-up. */
  values: Array<number | null>;
  /** The stage the rule stopped it after, with its objective there and the rule's reason; null: it ran every stage. */
  pruned: { stage: number; value: number; reason: string } | null;
  /** What it added to the session's reports. */
  reports: StageReport[];
}

/**
 * Trials of one session in stages on shared indicators, each judged after every stage but the last by the
 * session's rule against the reports read, plus what the trials before it here reported (in order: a trial
 * sees its predecessors in this call, not trials running elsewhere at the same time). Each yields the metrics
 * it ended with (the full window's, or those of the stage it was pruned after) and its stages, or its error.
 * @throws InputError only for what fails every trial alike (see runManyStaged).
 */
export function runStagedTrials(
  bars: Bars,
  strategy: StrategyDef,
  paramSets: readonly Params[],
  options: BacktestOptions | readonly BacktestOptions[],
  staged: StagedEvaluation,
  phases?: BacktestPhaseMs,
): Array<{ metrics: Metrics; stages: TrialStages } | Error> {
  const { stages } = staged.pruning;
  const rule = pruningRule(staged.pruning, staged.objective);
  const sets = staged.reports.map((r) => new CheckpointValues(r));
  const judges: TrialJudge[] = [];
  const trials: TrialStages[] = [];
  const results = runManyStaged(bars, strategy, paramSets, options, stages, staged.objective.metric as MetricName, (i, stage, objective) => {
    const judge = (judges[i] ??= rule.judge(sets));
    const trial = (trials[i] ??= { values: [], pruned: null, reports: judge.reports });
    const value = Number.isFinite(objective) ? objective : null;
    trial.values[stage - 1] = value;
    if (stage === stages) {
      judge.finish(true);
      return true;
    }
    const reason = judge.afterStage(stage, value);
    if (reason === null) return true;
    judge.finish(false);
    trial.pruned = { stage, value: value as number, reason };
    return false;
  }, phases);
  return results.map((result, i) => {
    if (result instanceof Error) return result;
    const trial = trials[i];
    return { metrics: result.metrics, stages: { ...trial, values: Array.from({ length: result.stage }, (_, k) => trial.values[k] ?? null) } };
  });
}
