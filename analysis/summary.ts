import { METRIC_NAMES } from '../config/metrics';
import type { Direction } from '../search/types';
import type { WarmStartNote } from '../types/session';
import type { TrialRecord } from '../types/trial';
import { formatNumber, formatParam, formatTime, formatWfe } from './format';
import { md, table } from './markdown';
import type { OverfittingReport } from './overfitting';
import { overfittingMarkdown, splitOverfittingMarkdown, type SplitOverfitting } from './overfittingSummary';
import type { ParamImportance } from './importance';
import { paretoSentence, type ParetoResult } from './pareto';
import type { WeightedRank } from './rank';
import type { ViolationCounts } from '../config/resultConstraints';
import { holdoutSentence, robustChoiceSection, violationsSection, type RobustInput, type TextSection } from './robustSummary';
import type { SensitivityResult } from './sensitivity';
import { bestTrial, paramNamesOf } from './trials';
import type { WalkForwardAnalysis } from './walkForward';

export interface TrialCounts {
  total: number;
  succeeded: number;
  /** Trials the result cache answered, in sessions that use it. */
  cached?: number;
  /** Trials the pruning rule stopped, in sessions with pruning: neither succeeded nor failed. */
  pruned?: number;
}

export interface SampleNote {
  sampled: number;
  of: number;
}

/** The sentence summary.md and report.html show when their analyses read a sample. */
export function sampleSentence(note: SampleNote): string {
  return `Sensitivity, importance and the charts use a seeded random sample of ${note.sampled} of the ${note.of} scored trials, ` +
    'the best trials and every improvement of the best included; the counts, the rankings and the best trial cover all trials.';
}

export interface SummaryInput {
  sessionId: string;
  objective: { metric: string; direction: Direction };
  /** Every trial of the session, failed ones included (they are counted); or a sample, with `counts` and `sampled`. */
  trials: readonly TrialRecord[];
  /** The session's counts, when `trials` is not every trial. */
  counts?: TrialCounts;
  /** When the analyses read a sample of the scored trials: its size, and how many it was drawn from. */
  sampled?: SampleNote;
  /**
   * From `weightedRank`, with the weights it used; `rows` may be only the top ones, with `unrankable` counting
   * the trials with too few trades among all of them.
   */
  ranking?: { weights: Record<string, number>; minTrades?: number; rows: readonly WeightedRank[]; unrankable?: number };
  importance?: readonly ParamImportance[];
  sensitivity?: SensitivityResult;
  walkForward?: WalkForwardAnalysis;
  /** Whether the best trial is luck: deflated Sharpe ratio and PBO. */
  overfitting?: OverfittingReport;
  /** The same per walk-forward split, on its in-sample trials. */
  overfittingBySplit?: readonly SplitOverfitting[];
  /** Rows of the weighted-rank table (default 10). */
  topN?: number;
  /** The `top_k` best re-ranked by their neighbourhood (sessions with `select`). */
  robust?: RobustInput;
  /** How many trials broke the result constraints (sessions with `result_constraints`). */
  violations?: ViolationCounts;
  /** The Pareto front of a multi-objective session. */
  pareto?: ParetoResult;
  /** The earlier session whose trials seeded the search (`search.warm_start`). */
  warmStart?: WarmStartNote;
  /** Sessions with pruning: how many trials were pruned after each stage (index 0: after stage 1). */
  prunedByStage?: readonly number[];
}

/**
 * What summary.md says of a warm start: from which session, with how many trials, and that they are not this
 * session's (its counts, rankings and outputs hold only its own).
 */
export function warmStartSentence(note: WarmStartNote): string {
  const left = [
    ...(note.outOfSpace > 0 ? [`${note.outOfSpace} outside this search space`] : []),
    ...(note.beyondCap > 0 ? [`${note.beyondCap} beyond the cap`] : []),
  ];
  return (
    `Warm-started from ${md(note.session)} with ${note.trials} trials: they seeded the search and are not among the trials counted and ranked here` +
    (left.length ? ` (of its other succeeded trials, ${left.join(' and ')}).` : '.')
  );
}

/** ": 80 after stage 1, 12 after stage 2 of 4" for the stages that pruned any trial; nothing when none did. */
export function prunedStages(byStage: readonly number[] | undefined): string {
  if (!byStage) return '';
  const parts = byStage.flatMap((n, k) => (n > 0 ? [`${n} after stage ${k + 1}`] : []));
  return parts.length ? `: ${parts.join(', ')} of ${byStage.length}` : '';
}

/** Front trials summary.md and report.html list at most; pareto.csv has them all. */
export const FRONT_ROWS = 50;

/**
 * summary.md: what a quant reads first, in the order they ask: best result, how it ranks, what matters, how robust.
 * Sections without input are left out.
 *
 * @example writeFileAtomic(path.join(dir, 'summary.md'), renderSummaryMarkdown({ sessionId, objective, trials, importance }))
 */
export function renderSummaryMarkdown(input: SummaryInput): string {
  const { trials, objective } = input;
  const best = bestTrial(trials, objective.direction);
  const total = input.counts?.total ?? trials.length;
  const succeeded = input.counts?.succeeded ?? trials.filter((t) => t.status === 'succeeded').length;
  const out: string[] = [`# Session ${md(input.sessionId)}`, ''];
  const objectives = input.pareto
    ? `Objectives: ${input.pareto.objectives.map((o) => `${o.direction} \`${md(o.metric)}\``).join(', ')} (a Pareto front; the best trial is by the first).`
    : `Objective: ${objective.direction} \`${md(objective.metric)}\`.`;
  const cached = input.counts?.cached === undefined ? '' : `; ${input.counts.cached} of them from the result cache`;
  const pruned = input.counts?.pruned ?? 0;
  const prunedText = input.counts?.pruned === undefined ? '' : `, ${pruned} pruned${prunedStages(input.prunedByStage)}`;
  out.push(`${objectives} Trials: ${total} (${succeeded} succeeded, ${total - succeeded - pruned} failed${prunedText}${cached}).`, '');
  if (input.warmStart) out.push(warmStartSentence(input.warmStart), '');
  if (input.sampled) out.push(sampleSentence(input.sampled), '');

  out.push('## Best trial', '');
  if (!best) out.push('No trial succeeded with a defined objective.', '');
  else {
    out.push(`Trial ${best.trialId}, ${md(objective.metric)} = ${formatNumber(best.objective)}.`, '');
    out.push(...table(['parameter', 'value'], paramNamesOf([best]).map((p) => [p, formatParam(best.params[p])])), '');
    const metrics = orderedMetrics(Object.keys(best.metrics));
    if (metrics.length) out.push(...table(['metric', 'value'], metrics.map((m) => [m, formatNumber(best.metrics[m])])), '');
  }

  if (input.pareto) out.push(...paretoSection(input.pareto));
  if (input.overfitting) out.push(...overfittingMarkdown(input.overfitting));
  if (input.robust) out.push(...textSection(robustChoiceSection(input.robust, objective.metric, input.topN ?? 10)));
  if (input.violations) out.push(...textSection(violationsSection(input.violations, succeeded)));
  if (input.ranking) out.push(...rankingSection(input.ranking, input.topN ?? 10));
  if (input.importance?.length) {
    out.push('## Parameter importance', '', 'fANOVA on a random forest: the share of the objective\'s variance each parameter explains on its own.', '');
    out.push(...table(['parameter', 'importance', ''], input.importance.map((i) => [i.param, formatNumber(i.importance), '█'.repeat(Math.round(i.importance * 20))])), '');
  }
  if (input.sensitivity?.params.length) out.push(...sensitivitySection(input.sensitivity, objective.direction));
  if (input.walkForward) out.push(...walkForwardSection(input.walkForward, objective.metric));
  if (input.overfittingBySplit?.length) out.push(...splitOverfittingMarkdown(input.overfittingBySplit));
  return out.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd() + '\n';
}

function paretoSection(pareto: ParetoResult): string[] {
  const rows = pareto.rows.slice(0, FRONT_ROWS);
  const params = [...new Set(rows.flatMap((r) => Object.keys(r.params)))].sort();
  const metrics = pareto.objectives.map((o) => o.metric);
  const more = pareto.rows.length - rows.length;
  return [
    '## Pareto front', '',
    paretoSentence(pareto), '',
    ...table(['trial', ...params, ...metrics, 'weighted rank', ''], rows.map((r) => [
      String(r.trialId), ...params.map((p) => formatParam(r.params[p])), ...r.values.map(formatNumber),
      r.weightedRank === null ? '—' : String(r.weightedRank), r.trialId === pareto.recommended ? 'recommended' : '',
    ])),
    '',
    ...(more > 0 ? [`… and ${more} more in pareto.csv.`, ''] : []),
  ];
}

function rankingSection(ranking: NonNullable<SummaryInput['ranking']>, topN: number): string[] {
  const metrics = Object.keys(ranking.weights).filter((m) => ranking.weights[m] > 0).sort();
  const weights = metrics.map((m) => `${m} ${formatNumber(ranking.weights[m])}`).join(', ');
  const rows = ranking.rows.slice(0, topN);
  const params = paramNamesOf(rows.map((r) => r.trial));
  const unrankable = ranking.unrankable ?? ranking.rows.filter((r) => !r.rankable).length;
  return [
    '## Weighted rank', '',
    `Weights: ${md(weights)}. Each metric ranks the trials (1 = best, 0 = worst); the score is the weighted mean.` +
      (unrankable ? ` ${unrankable} trials with fewer than ${ranking.minTrades} trades are not rankable and listed last.` : ''),
    '',
    ...table(['rank', 'trial', 'score', ...params, ...metrics], rows.map((r) => [
      String(r.rank) + (r.rankable ? '' : ' (not rankable)'), String(r.trialId), formatNumber(r.score),
      ...params.map((p) => formatParam(r.trial.params[p])), ...metrics.map((m) => formatNumber(r.trial.metrics[m])),
    ])),
    '',
  ];
}

function sensitivitySection(s: SensitivityResult, direction: Direction): string[] {
  const sign = direction === 'maximize' ? 1 : -1;
  const rows = [...s.params].sort((a, b) => b.aroundBestSpread - a.aroundBestSpread || a.param.localeCompare(b.param));
  return [
    '## Sensitivity', '',
    'How far the objective moves when one parameter changes and the others stay at the best point ' +
      '(exact: trials equal on the others; nearest: the closest trial per level), and across the whole search (marginal mean per level).',
    '',
    ...table(['parameter', 'around best: range', 'method', 'best level', 'marginal: range'], rows.map((p) => {
      const byMean = [...p.aroundBest].sort((a, b) => sign * (b.mean - a.mean));
      const range = `${byMean[0]?.label ?? '—'} (worst ${byMean[byMean.length - 1]?.label ?? '—'})`;
      return [p.param, formatNumber(p.aroundBestSpread), p.method, range, formatNumber(p.marginalSpread)];
    })),
    '',
  ];
}

function textSection(s: TextSection): string[] {
  return [`## ${s.title}`, '', ...s.intro.flatMap((line) => [md(line), '']), ...table(s.header, s.rows), ''];
}

function walkForwardSection(wf: WalkForwardAnalysis, metric: string): string[] {
  const st = wf.stitched;
  const out = [
    '## Walk-forward', '',
    `Stitched out-of-sample: return ${formatNumber(st.returnPct)} %, max drawdown ${formatNumber(st.maxDrawdownPct)} %, ` +
      `Sharpe ${formatNumber(st.sharpeAnn)}, t-statistic ${formatNumber(st.tStat)} over ${st.bars} bar returns. ` +
      `Overall WFE ${formatWfe(wf.overallWfe)} (mean OOS / mean IS annualised return; weak alone, read it with the Sharpe and t-statistic).`,
    '',
    ...table(['split', 'in sample', 'out of sample', 'IS return ann %', 'OOS return ann %', 'WFE', 'OOS objective'], wf.splits.map((s) => [
      String(s.split), `${formatTime(s.inSample.start)} → ${formatTime(s.inSample.end)}`, `${formatTime(s.outOfSample.start)} → ${formatTime(s.outOfSample.end)}`,
      formatNumber(s.isReturnAnnPct), formatNumber(s.oosReturnAnnPct), formatWfe(s.wfe), formatNumber(s.oosObjective),
    ])),
    '',
    '### Parameter drift', '',
    ...table(['parameter', ...wf.splits.map((s) => `split ${s.split}`)], wf.drift.map((d) => [d.param, ...d.values.map(formatParam)])),
    '',
  ];
  if (wf.recommended) {
    const r = wf.recommended;
    out.push('### Recommended parameters', '',
      `Best mean out-of-sample rank across splits (score ${formatNumber(r.score)}, tested in ${r.splitsEvaluated} of ${wf.splits.length} splits, ` +
        `mean OOS Sharpe ${formatNumber(r.meanOosSharpe)}).`, '',
      ...table(['parameter', 'value'], Object.keys(r.params).sort().map((p) => [p, formatParam(r.params[p])])), '');
  }
  if (wf.holdout) out.push('### Holdout', '', md(holdoutSentence(wf.holdout, metric)), '');
  return out;
}


function orderedMetrics(names: string[]): string[] {
  const known = METRIC_NAMES.filter((m) => names.includes(m));
  return [...known, ...names.filter((m) => !(known as string[]).includes(m)).sort()];
}
