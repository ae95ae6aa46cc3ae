import { METRIC_NAMES } from '../../config/metrics';
import type { Direction, SearchSpace } from '../../search/types';
import type { TrialRecord } from '../../types/trial';
import { formatNumber, formatParam } from '../format';
import type { ParamImportance } from '../importance';
import type { WeightedRank } from '../rank';
import type { ViolationCounts } from '../../config/resultConstraints';
import { robustChoiceSection, violationsSection, type RobustInput } from '../robustSummary';
import type { SensitivityResult } from '../sensitivity';
import { sampleSentence, type SampleNote, type TrialCounts } from '../summary';
import { bestTrial, paramNamesOf, scoredTrials } from '../trials';
import type { WalkForwardAnalysis } from '../walkForward';
import { equityAndDrawdown, importanceBars, objectiveHistory } from './charts';
import { paretoSentence, type ParetoResult } from '../pareto';
import { paretoChart, paretoTable } from './pareto';
import { HEATMAP_SCRIPT, heatmaps } from './heatmap';
import { esc, section, table } from './html';
import type { OverfittingReport } from '../overfitting';
import type { SplitOverfitting } from '../overfittingSummary';
import { overfittingSection, splitOverfittingSection } from './overfitting';
import { slicePlots } from './slices';
import type { TimeBreakdown } from '../timeBreakdown';
import { timeBreakdownBody } from './timeBreakdown';
import { textSectionHtml } from './robust';
import { CSS } from './style';
import { walkForwardBody } from './walkForward';

export interface ReportInput {
  sessionId: string;
  /** The page title; the session id by default. */
  title?: string;
  objective: { metric: string; direction: Direction };
  /** Every trial of the session, failed ones included (they are counted, not drawn); or a sample, with `counts` and `sampled`. */
  trials: readonly TrialRecord[];
  /** The session's counts, when `trials` is not every trial. */
  counts?: TrialCounts;
  /** When the charts read a sample of the scored trials: its size, and how many it was drawn from. */
  sampled?: SampleNote;
  /** Bounds and log scaling for the parameter axes. */
  space?: SearchSpace;
  /** From `weightedRank`. */
  ranking?: { weights: Record<string, number>; rows: readonly WeightedRank[] };
  importance?: readonly ParamImportance[];
  sensitivity?: SensitivityResult;
  /** The best trial's equity per bar, `equity[i]` at `times[i]` (epoch ms). */
  bestEquity?: { times: readonly number[]; equity: readonly number[] };
  /** Why the best trial's equity could not be drawn, shown in its place. */
  bestEquityNote?: string;
  walkForward?: WalkForwardAnalysis;
  /** Whether the best trial is luck: deflated Sharpe ratio and PBO. */
  overfitting?: OverfittingReport;
  /** The same per walk-forward split, on its in-sample trials. */
  overfittingBySplit?: readonly SplitOverfitting[];
  /** Where the trials' time went (run.json's `time_breakdown`). */
  timeBreakdown?: TimeBreakdown;
  /** Shown in the header; this function reads no clock. */
  generatedAt?: string;
  /** Rows of the weighted-rank table (default 10). */
  topN?: number;
  /** Trials drawn per chart at most (default 5,000); the running best is always drawn in full. */
  maxPoints?: number;
  /** The `top_k` best re-ranked by their neighbourhood (sessions with `select`). */
  robust?: RobustInput;
  /** How many trials broke the result constraints (sessions with `result_constraints`). */
  violations?: ViolationCounts;
  /** The Pareto front of a multi-objective session. */
  pareto?: ParetoResult;
}

const HEATMAP_PARAMS = 8;

/**
 * report.html: one self-contained page that works offline. Charts are inline SVG made here, the only
 * script switches heatmaps, nothing is fetched; every user string is escaped. Sections without input are left out.
 *
 * @example writeFileAtomic(path.join(dir, 'report.html'), renderReportHtml({ sessionId, objective, trials, space, sensitivity }))
 */
export function renderReportHtml(input: ReportInput): string {
  const { objective } = input;
  const scored = scoredTrials(input.trials);
  const best = bestTrial(scored, objective.direction);
  const maxPoints = input.maxPoints ?? 5000;
  const title = input.title ?? `Session ${input.sessionId}`;
  const total = input.counts?.total ?? input.trials.length;
  const pruned = input.counts?.pruned;
  const failed = total - (pruned ?? 0) - (input.counts?.succeeded ?? input.trials.filter((t) => t.status === 'succeeded').length);
  const names = paramNamesOf(scored);

  const cards = [
    [`best ${objective.metric}`, formatNumber(best?.objective)],
    ['best trial', best ? `#${best.trialId}` : '—'],
    ['trials', String(total)],
    ['succeeded / failed', `${total - failed - (pruned ?? 0)} / ${failed}`],
    ...(pruned === undefined ? [] : [['pruned', String(pruned)]]),
    ['parameters', String(names.length)],
    ...(input.pareto ? [['Pareto front', `${input.pareto.rows.length} trials`]] : []),
  ].map(([label, value]) => `<div class="card"><span>${esc(label)}</span><b>${esc(value)}</b></div>`).join('');

  const sections: string[] = [];
  if (best) {
    const metrics = [...METRIC_NAMES.filter((m) => m in best.metrics), ...Object.keys(best.metrics).filter((m) => !(METRIC_NAMES as string[]).includes(m)).sort()];
    sections.push(section('best', `Best trial #${best.trialId}`, `${objective.direction} ${objective.metric}`,
      `<div class="cols"><div>${table(['parameter', 'value'], names.map((p) => [p, formatParam(best.params[p])]))}</div>` +
        `<div>${table(['metric', 'value', 'metric', 'value'], pairUp(metrics.map((m) => [m, formatNumber(best.metrics[m])])), new Set([1, 3]))}</div></div>`));
  }
  if (input.pareto) {
    const projection = input.pareto.objectives.length > 2 ? ' The chart shows the first two objectives only: some front trials look dominated there, but not on all of them.' : '';
    sections.push(section('pareto', 'Pareto front', paretoSentence(input.pareto) + projection,
      (input.pareto.rows.length ? paretoChart(scored, input.pareto, maxPoints) : '') + paretoTable(input.pareto)));
  }
  if (input.overfitting) sections.push(overfittingSection(input.overfitting));
  if (input.robust) sections.push(textSectionHtml('robust', robustChoiceSection(input.robust, objective.metric, input.topN ?? 10), new Set([0, 1, 3, 4, 5, 6])));
  if (input.violations) sections.push(textSectionHtml('constraints', violationsSection(input.violations, total - failed), new Set([1])));
  if (scored.length) {
    sections.push(section('history', `${objective.metric} over trials`, 'Each dot is a trial; the line is the best found so far.',
      objectiveHistory(scored, objective.direction, objective.metric, maxPoints)));
  }
  if (input.bestEquity && input.bestEquity.equity.length > 1) {
    sections.push(section('equity', 'Equity and drawdown of the best trial', '', equityAndDrawdown(input.bestEquity.times, input.bestEquity.equity, 'best trial')));
  } else if (input.bestEquityNote) {
    sections.push(section('equity', 'Equity and drawdown of the best trial', `Not drawn: ${input.bestEquityNote}`, ''));
  }
  if (names.length >= 2 && scored.length) {
    const ordered = input.importance?.length ? input.importance.map((i) => i.param).filter((p) => names.includes(p)) : names;
    sections.push(section('heatmap', 'Heatmap of two parameters', 'Pick a pair; each cell shows the best objective of the trials in it (hover for the value).',
      heatmaps(scored, ordered.slice(0, HEATMAP_PARAMS), objective.direction, objective.metric, input.space)));
  }
  if (input.importance?.length) {
    sections.push(section('importance', 'Parameter importance', 'fANOVA on a random forest: the share of the objective\'s variance each parameter explains on its own.',
      importanceBars(input.importance)));
  }
  if (input.sensitivity?.params.length) {
    sections.push(section('slices', 'Slice plots and sensitivity', 'The objective against each parameter: all trials, the marginal mean, and the response with the other parameters at the best point.',
      slicePlots(scored, input.sensitivity, objective.metric, input.space, maxPoints)));
  }
  if (input.ranking?.rows.length) sections.push(rankingSection(input.ranking, input.topN ?? 10));
  if (input.walkForward) {
    sections.push(section('walk-forward', 'Walk-forward', 'Each split tunes on its in-sample window and trades the chosen parameters on the next, unseen window.',
      walkForwardBody(input.walkForward, objective.metric)));
  }
  if (input.overfittingBySplit?.length) sections.push(splitOverfittingSection(input.overfittingBySplit));
  if (input.timeBreakdown && input.timeBreakdown.total_s > 0) sections.push(timeSection(input.timeBreakdown));

  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title><style>${CSS}</style></head>
<body><header><h1>${esc(title)}</h1><p>Session ${esc(input.sessionId)} · ${esc(objectiveLine(objective, input.pareto))}${input.generatedAt ? ` · generated ${esc(input.generatedAt)}` : ''}</p></header>
<main><div class="cards">${cards}</div>${input.sampled ? `\n<p class="note">${esc(sampleSentence(input.sampled))}</p>` : ''}
${sections.join('\n')}
<footer>tuneflow report · self-contained, works offline</footer></main>
<script>${HEATMAP_SCRIPT}</script></body></html>
`;
}

function objectiveLine(objective: ReportInput['objective'], pareto: ParetoResult | undefined): string {
  if (!pareto) return `objective: ${objective.direction} ${objective.metric}`;
  return `objectives: ${pareto.objectives.map((o) => `${o.direction} ${o.metric}`).join(', ')} (Pareto front)`;
}

function rankingSection(ranking: NonNullable<ReportInput['ranking']>, topN: number): string {
  const metrics = Object.keys(ranking.weights).filter((m) => ranking.weights[m] > 0).sort();
  const rows = ranking.rows.slice(0, topN);
  const params = paramNamesOf(rows.map((r) => r.trial));
  const weights = metrics.map((m) => `${m} ${formatNumber(ranking.weights[m])}`).join(', ');
  const body = table(['rank', 'trial', 'score', ...params, ...metrics],
    rows.map((r) => [r.rankable ? String(r.rank) : `${r.rank} (not rankable)`, String(r.trialId), formatNumber(r.score),
      ...params.map((p) => formatParam(r.trial.params[p])), ...metrics.map((m) => formatNumber(r.trial.metrics[m]))]),
    new Set([2, ...metrics.map((_, i) => 3 + params.length + i)]));
  return section('ranking', `Weighted rank, top ${rows.length}`, `Weights: ${weights}. Per metric, trials are ranked from worst (0) to best (1); the score is the weighted mean.`, body);
}

function timeSection(t: TimeBreakdown): string {
  const wall = t.batch_wall_s;
  const intro = `${t.trials} trials in ${t.batches} batches took ${formatNumber(t.total_s)} s, summed over the threads that ran them. ` +
    `A batch took ${formatNumber(wall.p50)} s of wall time at the median, ${formatNumber(wall.p95)} s at the 95th percentile, ${formatNumber(wall.max)} s at most. ` +
    'External commands are timed as a whole: they show as evaluate and store only.';
  return section('time', 'Where trial time goes', intro, timeBreakdownBody(t));
}

function pairUp(rows: string[][]): string[][] {
  const half = Math.ceil(rows.length / 2);
  return rows.slice(0, half).map((row, i) => [...row, ...(rows[half + i] ?? ['', ''])]);
}
