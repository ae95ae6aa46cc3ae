import { formatNumber } from '../format';
import type { OverfittingReport } from '../overfitting';
import { overfittingInputsSentence, overfittingRows, sentenceCase, type SplitOverfitting } from '../overfittingSummary';
import { esc, legend, section, table } from './html';
import { COLORS } from './style';
import { axes, frame, linear, r, svg } from './svg';

const BINS = 30;

/** report.html's section on whether the best trial is luck: verdict, numbers, notes and the PBO logit histogram. */
export function overfittingSection(report: OverfittingReport): string {
  const parts = [`<p><b>${esc(sentenceCase(report.verdict))}.</b> ${esc(report.explanation)}</p>`];
  if (report.verdict !== 'not assessed' || report.psr !== null) {
    parts.push(table(['number', 'value', 'what it says'], overfittingRows(report), new Set([1])));
    const inputs = overfittingInputsSentence(report);
    if (inputs) parts.push(`<p class="note">${esc(inputs)}</p>`);
    for (const note of report.notes) parts.push(`<p class="note">${esc(note)}</p>`);
  }
  if (report.logits.length) {
    parts.push('<h3>PBO: where the in-sample best lands out of sample</h3>', logitHistogram(report.logits, report.pbo ?? 0));
  }
  return section('overfitting', 'Luck or skill?', 'The best of many trials always looks good. These numbers ask whether it would still look good with the number of trials, and unseen data, taken into account.', parts.join(''));
}

/** report.html's table of each walk-forward split's verdict on its in-sample best. */
export function splitOverfittingSection(splits: readonly SplitOverfitting[]): string {
  const body = table(['split', 'verdict', 'psr', 'deflated Sharpe', 'effective trials', 'PBO'], splits.map(({ split, report: o }) => [
    String(split), o.verdict, formatNumber(o.psr), formatNumber(o.deflatedSharpe), formatNumber(o.trialsEffective), formatNumber(o.pbo),
  ]), new Set([2, 3, 4, 5]));
  return section('overfitting-splits', 'Luck or skill, per split', 'Each split\'s in-sample best, deflated by the trials of its own tuning, and the PBO of its trials on the training window.', body);
}

/**
 * The distribution of λ = logit of the in-sample best's relative out-of-sample rank over the CSCV splits: bars
 * left of 0 are splits where it ranked in the lower half (overfit), right of 0 the upper half.
 */
function logitHistogram(logits: readonly number[], pbo: number): string {
  let lo = Infinity, hi = -Infinity;
  for (const v of logits) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  // Symmetric around 0, so that the two halves read against each other.
  const reach = Math.max(Math.abs(lo), Math.abs(hi), 1e-9);
  const width = (2 * reach) / BINS;
  const counts = new Array<number>(BINS).fill(0);
  for (const v of logits) {
    const i = Math.min(BINS - 1, Math.floor((v + reach) / width));
    // λ = 0 counts towards PBO, so it belongs to the left half.
    counts[v <= 0 ? Math.min(i, BINS / 2 - 1) : Math.max(i, BINS / 2)]++;
  }
  const shares = counts.map((c) => c / logits.length);
  const f = frame(1100, 260);
  const x = linear([-reach, reach], [f.left, f.width - f.right], { pad: 0.02 });
  const y = linear([0, ...shares], [f.height - f.bottom, f.top], { include: [0], pad: 0.05 });
  const bars = shares.map((share, i) => {
    const from = -reach + i * width;
    const x0 = x(from), x1 = x(from + width);
    const top = y(share);
    // λ = 0 is the edge between the two middle bins, so every bin lies wholly on one side of it.
    const color = i < BINS / 2 ? COLORS.best : COLORS.equity;
    return share > 0 ? `<rect x="${r(x0 + 0.5)}" y="${r(top)}" width="${r(Math.max(1, x1 - x0 - 1))}" height="${r(y(0) - top)}" fill="${color}" fill-opacity="0.75"/>` : '';
  }).join('');
  const zero = `<line x1="${r(x(0))}" x2="${r(x(0))}" y1="${f.top}" y2="${f.height - f.bottom}" stroke="#0f172a" stroke-dasharray="4 3"/>`;
  const body = axes(f, x, y, { xLabel: 'λ = logit of the in-sample best\'s out-of-sample rank', yLabel: 'share of splits', yFormat: (v) => `${formatNumber(v * 100)} %` }) + bars + zero;
  return svg(f, 'PBO logit histogram', body) +
    legend([{ color: COLORS.best, label: `λ ≤ 0: lower half out of sample (PBO ${formatNumber(pbo)})` }, { color: COLORS.equity, label: 'λ > 0: upper half' }]);
}
