import type { Direction } from '../../search/types';
import { formatNumber } from '../format';
import type { ParamImportance } from '../importance';
import type { ScoredTrial } from '../trials';
import { esc, legend } from './html';
import { COLORS } from './style';
import { axes, frame, linear, polyline, r, robustRange, strided, svg, thinCurve, timeScale } from './svg';

/** Scatter of every trial's objective by trial id, with the running best as a step line. */
export function objectiveHistory(trials: readonly ScoredTrial[], direction: Direction, metric: string, maxPoints: number): string {
  const sorted = [...trials].sort((a, b) => a.trialId - b.trialId);
  const sign = direction === 'maximize' ? 1 : -1;
  const steps: ScoredTrial[] = [];
  for (const t of sorted) if (!steps.length || sign * (t.objective - steps[steps.length - 1].objective) > 0) steps.push(t);
  const f = frame(1100, 290);
  const ids = sorted.map((t) => t.trialId);
  const x = linear(ids, [f.left, f.width - f.right], { pad: 0.02 });
  const y = linear(robustRange(sorted.map((t) => t.objective)), [f.height - f.bottom, f.top], { include: steps.map((s) => s.objective) });
  const clampY = (v: number) => Math.min(f.height - f.bottom, Math.max(f.top, y(v)));
  const drawn = new Set([...strided(sorted.length, maxPoints).map((i) => sorted[i]), ...steps]);
  const dots = [...drawn].map((t) => `<circle cx="${r(x(t.trialId))}" cy="${r(clampY(t.objective))}" r="2.6"/>`).join('');
  const line: [number, number][] = [];
  steps.forEach((s, i) => {
    if (i) line.push([x(s.trialId), y(steps[i - 1].objective)]);
    line.push([x(s.trialId), y(s.objective)]);
  });
  if (steps.length) line.push([x(ids[ids.length - 1]), y(steps[steps.length - 1].objective)]);
  const body = axes(f, x, y, { xLabel: 'trial', yLabel: metric }) +
    `<g fill="${COLORS.trial}" fill-opacity="0.55">${dots}</g>` +
    `<path d="${polyline(line)}" fill="none" stroke="${COLORS.best}" stroke-width="2.2"/>`;
  const note = drawn.size < sorted.length ? ` (${drawn.size} of ${sorted.length} trials drawn)` : '';
  return svg(f, `${metric} by trial`, body) +
    legend([{ color: COLORS.trial, label: `trial${note}` }, { color: COLORS.best, label: `best so far (${direction})` }]);
}

/** Equity over time and, under it on the same time axis, the drawdown from the running peak. */
export function equityAndDrawdown(times: readonly number[], equity: readonly number[], label: string, boundaries: readonly number[] = []): string {
  let peak = -Infinity;
  const drawdown = equity.map((e) => {
    peak = Math.max(peak, e);
    return (e / peak - 1) * 100;
  });
  const [tE, vE] = thinCurve(times, equity, 2400);
  const [tD, vD] = thinCurve(times, drawdown, 2400);
  const fe = frame(1100, 250), fd = frame(1100, 150, { top: 8 });
  const { scale: xe, format } = timeScale(times, [fe.left, fe.width - fe.right]);
  const xd = timeScale(times, [fd.left, fd.width - fd.right]).scale;
  const ye = linear(vE, [fe.height - fe.bottom, fe.top]);
  const yd = linear(vD, [fd.height - fd.bottom, fd.top], { include: [0], pad: 0.03 });
  const marks = (f: typeof fe, x: typeof xe) =>
    boundaries.map((t) => `<line class="boundary" x1="${r(x(t))}" x2="${r(x(t))}" y1="${f.top}" y2="${f.height - f.bottom}"/>`).join('');
  const line = polyline(tE.map((t, i) => [xe(t), ye(vE[i])]));
  const area = polyline([[xd(tD[0]), yd(0)], ...tD.map((t, i): [number, number] => [xd(t), yd(vD[i])]), [xd(tD[tD.length - 1]), yd(0)]]);
  const equitySvg = svg(fe, `${label}: equity`, axes(fe, xe, ye, { xLabel: 'date', yLabel: 'equity', xFormat: format }) + marks(fe, xe) +
    `<path d="${line}" fill="none" stroke="${COLORS.equity}" stroke-width="1.8"/>`);
  const ddSvg = svg(fd, `${label}: drawdown`, axes(fd, xd, yd, { xLabel: 'date', yLabel: 'drawdown %', xFormat: format }) + marks(fd, xd) +
    `<path d="${area}Z" fill="${COLORS.drawdown}" fill-opacity="0.25" stroke="${COLORS.drawdown}" stroke-width="1.2"/>`);
  return equitySvg + ddSvg;
}

/** Horizontal bars, largest first. */
export function importanceBars(importance: readonly ParamImportance[]): string {
  const rowH = 30;
  const f = frame(1100, importance.length * rowH + 52, { left: 170, right: 70, top: 10 });
  const x = linear([0, Math.max(...importance.map((i) => i.importance), 0.01)], [f.left, f.width - f.right], { pad: 0, include: [0] });
  const y0 = f.top + 4;
  const bars = importance.map((imp, i) => {
    const y = y0 + i * rowH;
    const w = Math.max(1, x(imp.importance) - f.left);
    return `<text class="label" x="${f.left - 8}" y="${y + 11}" dy="0.32em" text-anchor="end">${esc(imp.param)}</text>` +
      `<rect x="${f.left}" y="${y}" width="${r(w)}" height="${rowH - 8}" rx="3" fill="${COLORS.importance}"/>` +
      `<text class="value" x="${r(f.left + w + 6)}" y="${y + 11}" dy="0.32em">${esc(formatNumber(imp.importance * 100))} %</text>`;
  });
  const bottom = f.height - f.bottom;
  const ticks = x.ticks.map((t) => `<line class="grid" x1="${r(x(t))}" x2="${r(x(t))}" y1="${f.top}" y2="${bottom}"/>` +
    `<text class="tick" x="${r(x(t))}" y="${bottom + 16}" text-anchor="middle">${esc(formatNumber(t * 100))}</text>`).join('');
  const title = `<text class="axis-title" x="${(f.left + f.width - f.right) / 2}" y="${f.height - 6}" text-anchor="middle">share of objective variance, %</text>`;
  return svg(f, 'parameter importance', ticks + bars.join('') + title);
}
