import { formatNumber } from './format';
import { md, table } from './markdown';
import type { OverfittingReport } from './overfitting';

/** One walk-forward split's overfitting report, on its in-sample trials. */
export interface SplitOverfitting {
  split: number;
  report: OverfittingReport;
}

/** A verdict as the start of a sentence. */
export function sentenceCase(verdict: string): string {
  return verdict.charAt(0).toUpperCase() + verdict.slice(1);
}

/** The rows of the overfitting table: each number, its value, and what it says in words. */
export function overfittingRows(r: OverfittingReport): string[][] {
  const effective = r.trialsEffective === null ? '' :
    `of ${r.trials} trials${r.meanCorrelation === null ? '' : `, whose returns correlate ${formatNumber(r.meanCorrelation)} on average (${r.sample} drawn at random)`}`;
  return [
    ['probabilistic Sharpe (psr)', formatNumber(r.psr), 'probability that the best trial\'s true Sharpe ratio is above 0, taken alone'],
    ['deflated Sharpe', formatNumber(r.deflatedSharpe),
      `probability that it is above ${formatNumber(r.expectedMaxSharpe)} per period, the best Sharpe ratio ${formatNumber(r.trialsEffective)} trials would reach on average with no skill`],
    ['effective trials', formatNumber(r.trialsEffective), effective],
    ['PBO', formatNumber(r.pbo), r.pbo === null ? '' :
      `share of the ${r.pboCombinations} cross-validation splits in which the in-sample best of ${r.sample} trials drawn at random ranked in the lower half out of sample`],
  ];
}

/** What the best trial's Sharpe ratio was measured on: per-period Sharpe, returns, skewness, kurtosis. */
export function overfittingInputsSentence(r: OverfittingReport): string {
  if (r.returns === null) return '';
  return `Best trial ${r.bestTrialId}: Sharpe ratio ${formatNumber(r.sharpePerPeriod)} per period over ${r.returns} returns, ` +
    `skewness ${formatNumber(r.skewness)}, kurtosis ${formatNumber(r.kurtosis)}; the trials' Sharpe ratios vary with variance ${formatNumber(r.sharpeVariance)}.`;
}

/** summary.md's section on whether the best trial is luck: the verdict, the numbers, and notes. */
export function overfittingMarkdown(r: OverfittingReport): string[] {
  const out = ['## Luck or skill?', '', `**${md(sentenceCase(r.verdict))}.** ${md(r.explanation)}`, ''];
  if (r.verdict === 'not assessed' && r.psr === null) return out;
  out.push(...table(['number', 'value', 'what it says'], overfittingRows(r)), '');
  const inputs = overfittingInputsSentence(r);
  if (inputs) out.push(md(inputs), '');
  for (const note of r.notes) out.push(`- ${md(note)}`);
  if (r.notes.length) out.push('');
  out.push('How to read these numbers: docs/analysis.md, "Luck or skill".', '');
  return out;
}

/** summary.md's table of each walk-forward split's verdict on its in-sample best. */
export function splitOverfittingMarkdown(splits: readonly SplitOverfitting[]): string[] {
  return [
    '### Luck or skill, per split', '',
    'Each split\'s in-sample best, deflated by the trials of its own tuning, and the PBO of its trials on the training window.', '',
    ...table(['split', 'verdict', 'psr', 'deflated Sharpe', 'effective trials', 'PBO'], splits.map(({ split, report: r }) => [
      String(split), r.verdict, formatNumber(r.psr), formatNumber(r.deflatedSharpe), formatNumber(r.trialsEffective), formatNumber(r.pbo),
    ])),
    '',
  ];
}
