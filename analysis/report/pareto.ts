import { formatNumber, formatParam } from '../format';
import type { Objective, ParetoResult } from '../pareto';
import { FRONT_ROWS } from '../summary';
import type { ScoredTrial } from '../trials';
import { esc, legend, table } from './html';
import { COLORS } from './style';
import { axes, frame, linear, polyline, r, robustRange, strided, svg } from './svg';

const axisLabel = (o: Objective) => `${o.metric} (${o.direction === 'maximize' ? 'higher' : 'lower'} is better)`;

/**
 * The front on the first two objectives: every trial drawn (faint, at most `maxPoints`), the front's trials
 * highlighted and joined in order of the first objective, the recommended one ringed. With more than two
 * objectives this is a projection, where some front trials look dominated; they are not on all objectives.
 */
export function paretoChart(trials: readonly ScoredTrial[], pareto: ParetoResult, maxPoints: number): string {
  const [ox, oy] = pareto.objectives as [Objective, Objective];
  const points = trials.flatMap((t) => {
    const x = t.metrics[ox.metric];
    const y = t.metrics[oy.metric];
    return typeof x === 'number' && typeof y === 'number' && Number.isFinite(x) && Number.isFinite(y) ? [[x, y] as [number, number]] : [];
  });
  const front = pareto.rows.map((row) => ({ row, x: row.values[0] as number, y: row.values[1] as number }));
  const f = frame(1100, 460);
  const x = linear(robustRange(points.map((p) => p[0])), [f.left, f.width - f.right], { include: front.map((p) => p.x) });
  const y = linear(robustRange(points.map((p) => p[1])), [f.height - f.bottom, f.top], { include: front.map((p) => p.y) });
  // Trials outside the 1st to 99th percentile sit on the chart's edge rather than stretch it.
  const px = (v: number) => Math.min(f.width - f.right, Math.max(f.left, x(v)));
  const py = (v: number) => Math.min(f.height - f.bottom, Math.max(f.top, y(v)));
  const cx = (v: number) => r(px(v));
  const cy = (v: number) => r(py(v));
  const drawn = strided(points.length, maxPoints).map((i) => points[i] as [number, number]);
  const dots = drawn.map(([a, b]) => `<circle cx="${cx(a)}" cy="${cy(b)}" r="2.4"/>`).join('');
  const byX = [...front].sort((a, b) => a.x - b.x || a.y - b.y);
  const line = pareto.objectives.length === 2 ? `<path d="${polyline(byX.map((p) => [x(p.x), y(p.y)]))}" fill="none" stroke="${COLORS.best}" stroke-width="1.6" stroke-opacity="0.7"/>` : '';
  const marks = front.map(({ row, x: a, y: b }) => {
    const values = pareto.objectives.map((o, j) => `${o.metric} ${formatNumber(row.values[j])}`).join(', ');
    return `<circle cx="${cx(a)}" cy="${cy(b)}" r="4.2"><title>${esc(`trial ${row.trialId}: ${values}`)}</title></circle>`;
  }).join('');
  const chosen = front.find((p) => p.row.trialId === pareto.recommended);
  const ring = chosen
    ? `<circle cx="${cx(chosen.x)}" cy="${cy(chosen.y)}" r="9" fill="none" stroke="${COLORS.recommended}" stroke-width="2.2"/>` +
      labelBeside(px(chosen.x), py(chosen.y), f.width / 2, `recommended #${chosen.row.trialId}`)
    : '';
  const body = axes(f, x, y, { xLabel: axisLabel(ox), yLabel: axisLabel(oy) }) +
    `<g fill="${COLORS.trial}" fill-opacity="0.25">${dots}</g>${line}<g fill="${COLORS.best}">${marks}</g>${ring}`;
  const note = drawn.length < points.length ? ` (${drawn.length} of ${points.length} drawn)` : '';
  return svg(f, `Pareto front of ${ox.metric} and ${oy.metric}`, body) +
    legend([
      { color: COLORS.trial, label: `trial${note}` },
      { color: COLORS.best, label: `Pareto front (${pareto.rows.length})` },
      ...(chosen ? [{ color: COLORS.recommended, label: 'recommended by the weighted rank' }] : []),
    ]);
}

/** A label next to a point, on the side of it towards the middle of the chart, so it never runs off the edge. */
function labelBeside(x: number, y: number, middle: number, text: string): string {
  const left = x > middle;
  return `<text class="value" x="${r(left ? x - 12 : x + 12)}" y="${r(y - 10)}" text-anchor="${left ? 'end' : 'start'}">${esc(text)}</text>`;
}

/** The front's trials as a table, at most FRONT_ROWS of them, the recommended one marked. */
export function paretoTable(pareto: ParetoResult): string {
  const rows = pareto.rows.slice(0, FRONT_ROWS);
  const params = [...new Set(rows.flatMap((row) => Object.keys(row.params)))].sort();
  const metrics = pareto.objectives.map((o) => o.metric);
  const body = table(['trial', ...params, ...metrics, 'weighted rank', ''],
    rows.map((row) => [String(row.trialId), ...params.map((p) => formatParam(row.params[p])), ...row.values.map(formatNumber),
      row.weightedRank === null ? '—' : String(row.weightedRank), row.trialId === pareto.recommended ? 'recommended' : '']),
    new Set([...metrics.map((_, i) => 1 + params.length + i), 1 + params.length + metrics.length]));
  const more = pareto.rows.length - rows.length;
  return body + (more > 0 ? `<p class="note">${esc(`… and ${more} more in pareto.csv.`)}</p>` : '');
}
