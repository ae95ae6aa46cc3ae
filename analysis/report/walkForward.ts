import { formatNumber, formatParam, formatTime, formatWfe } from '../format';
import { holdoutSentence } from '../robustSummary';
import type { WalkForwardAnalysis } from '../walkForward';
import { equityAndDrawdown } from './charts';
import { esc, legend, table } from './html';
import { COLORS } from './style';
import { axes, frame, linear, r, svg, timeScale } from './svg';

/** The walk-forward section's body: split timeline, per-split results, stitched OOS curve, drift, recommendation. */
export function walkForwardBody(wf: WalkForwardAnalysis, metric: string): string {
  const st = wf.stitched;
  const cards = [
    ['stitched OOS return', `${formatNumber(st.returnPct)} %`],
    ['stitched OOS Sharpe', formatNumber(st.sharpeAnn)],
    ['t-statistic of OOS returns', formatNumber(st.tStat)],
    ['overall WFE', formatWfe(wf.overallWfe)],
    ['OOS max drawdown', `${formatNumber(st.maxDrawdownPct)} %`],
  ].map(([label, value]) => `<div class="card"><span>${esc(label)}</span><b>${esc(value)}</b></div>`).join('');
  const splitRows = wf.splits.map((s) => [
    String(s.split), span(s.inSample), span(s.outOfSample),
    Object.keys(s.params).sort().map((p) => `${p}=${formatParam(s.params[p])}`).join(', '),
    formatNumber(s.isReturnAnnPct), formatNumber(s.oosReturnAnnPct), formatWfe(s.wfe), formatNumber(s.oosObjective),
  ]);
  const boundaries = wf.splits.slice(1).map((s) => s.outOfSample.start);
  const parts = [
    `<div class="cards">${cards}</div>`,
    timeline(wf),
    legend([
      { color: COLORS.inSample, label: 'in sample (tuning)' }, { color: COLORS.outOfSample, label: 'out of sample (chosen parameters)' },
      ...(wf.holdout ? [{ color: COLORS.holdout, label: 'holdout (recommended parameters, once)' }] : []),
    ]),
    '<h3>Splits</h3>',
    table(['split', 'in sample', 'out of sample', 'chosen parameters', 'IS return ann %', 'OOS return ann %', 'WFE', `OOS ${metric}`], splitRows, new Set([4, 5, 6, 7])),
    '<p class="muted">WFE = annualised OOS return / annualised IS return; not reported when the IS return is ≤ 0, where the ratio would mislead.</p>',
  ];
  if (st.equity.length > 1) parts.push('<h3>Stitched out-of-sample equity</h3>', equityAndDrawdown(st.times, st.equity, 'stitched OOS', boundaries));
  parts.push('<h3>Parameter drift</h3>',
    table(['parameter', ...wf.splits.map((s) => `split ${s.split}`), 'distinct'], wf.drift.map((d) => [d.param, ...d.values.map(formatParam), String(d.distinct)])));
  if (wf.recommended) {
    const rec = wf.recommended;
    parts.push('<h3>Recommended parameters</h3>',
      `<p class="intro">Best mean out-of-sample rank across splits: score ${esc(formatNumber(rec.score))}, tested in ${rec.splitsEvaluated} of ${wf.splits.length} splits, ` +
        `mean OOS Sharpe ${esc(formatNumber(rec.meanOosSharpe))}.</p>`,
      table(['parameter', 'value'], Object.keys(rec.params).sort().map((p) => [p, formatParam(rec.params[p])])));
  }
  if (wf.holdout) parts.push('<h3>Holdout</h3>', `<p class="intro">${esc(holdoutSentence(wf.holdout, metric))}</p>`);
  return parts.join('');
}

function timeline(wf: WalkForwardAnalysis): string {
  const rowH = 30;
  const holdout = wf.holdout;
  const f = frame(1100, (wf.splits.length + (holdout ? 1 : 0)) * rowH + 64, { left: 80, right: 250, top: 12 });
  const times = [...wf.splits.flatMap((s) => [s.inSample.start, s.inSample.end, s.outOfSample.start, s.outOfSample.end]), ...(holdout ? [holdout.from, holdout.to] : [])];
  const { scale: x, format } = timeScale(times, [f.left, f.width - f.right]);
  const y = linear([], [f.height - f.bottom, f.top]);
  y.ticks = [];
  const rows = wf.splits.map((s, k) => {
    const top = f.top + 6 + k * rowH;
    const bar = (from: number, to: number, color: string) =>
      `<rect x="${r(x(from))}" y="${top}" width="${r(Math.max(2, x(to) - x(from)))}" height="${rowH - 10}" rx="3" fill="${color}"/>`;
    const note = `OOS ${formatNumber(s.oosReturnAnnPct)} %/yr · WFE ${formatWfe(s.wfe)}`;
    return `<text class="label" x="${f.left - 10}" y="${top + (rowH - 10) / 2}" dy="0.32em" text-anchor="end">split ${s.split}</text>` +
      bar(s.inSample.start, s.inSample.end, COLORS.inSample) + bar(s.outOfSample.start, s.outOfSample.end, COLORS.outOfSample) +
      `<text class="value" x="${f.width - f.right + 10}" y="${top + (rowH - 10) / 2}" dy="0.32em">${esc(note)}</text>`;
  });
  if (holdout) {
    const top = f.top + 6 + wf.splits.length * rowH;
    rows.push(`<text class="label" x="${f.left - 10}" y="${top + (rowH - 10) / 2}" dy="0.32em" text-anchor="end">holdout</text>` +
      `<rect x="${r(x(holdout.from))}" y="${top}" width="${r(Math.max(2, x(holdout.to) - x(holdout.from)))}" height="${rowH - 10}" rx="3" fill="${COLORS.holdout}"/>` +
      `<text class="value" x="${f.width - f.right + 10}" y="${top + (rowH - 10) / 2}" dy="0.32em">${esc(`Sharpe ${formatNumber(holdout.metrics.sharpe)} · return ${formatNumber(holdout.metrics.return_pct)} %`)}</text>`);
  }
  return svg(f, 'walk-forward splits', axes(f, x, y, { xLabel: 'date', yLabel: '', xFormat: format }) + rows.join(''));
}

/** A window on one line: the table wraps the parameters, not the dates. */
function span(w: { start: number; end: number }): string {
  return `${formatTime(w.start)}\u00a0→\u00a0${formatTime(w.end)}`;
}
