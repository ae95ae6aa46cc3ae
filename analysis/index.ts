/**
 * What a session's results mean: weighted ranks, sensitivity, importance, walk-forward statistics, whether the
 * best trial is luck (probabilistic and deflated Sharpe ratios, PBO), and the summary.md and report.html built
 * from them. Pure library: no Temporal, no Redis, no files; callers write.
 */
export { rankColumns, weightedRank, weightedRankPlan, type ColumnRanks, type RankColumns, type WeightedRank, type WeightedRankOptions, type WeightedRankPlan } from './rank';
export { sensitivity, sensitivityRows, SENSITIVITY_COLUMNS, type ParamSensitivity, type SensitivityLevel, type SensitivityOptions, type SensitivityResult } from './sensitivity';
export { paramImportance, type ImportanceOptions, type ParamImportance } from './importance';
export {
  analyseWalkForward,
  type CandidateResult, type Recommendation, type SplitAnalysis, type StitchedCurve, type WalkForwardAnalysis, type WalkForwardOptions,
  type WalkForwardSplitResult, type Wfe, type WfeUndefined, type WindowResult,
} from './walkForward';
export {
  effectiveTrials, expectedMaxSharpe, meanPairwiseCorrelation, perPeriodSharpe, probabilisticSharpe, returnMoments, type ReturnMoments,
} from './deflatedSharpe';
export { pboProblem, probabilityOfBacktestOverfitting, type PboResult } from './pbo';
export { assessOverfitting, unassessed, verdictOf, type OverfittingInputs, type OverfittingReport, type Verdict } from './overfitting';
export type { SplitOverfitting } from './overfittingSummary';
export { renderSummaryMarkdown, type SummaryInput } from './summary';
export { renderReportHtml, type ReportInput } from './report';
export { bestTrial, scoredTrials, type ScoredTrial } from './trials';
export { FRONT_CAPACITY, ParetoArchive, paretoSentence, recommendedOf, type FrontTrial, type Objective, type ParetoResult, type ParetoRow } from './pareto';
