import { TRIAL_PHASES, type TrialPhase } from '../../types/session';
import { formatNumber } from '../format';
import type { TimeBreakdown } from '../timeBreakdown';
import { esc, legend, table } from './html';
import { PHASE_COLORS } from './style';
import { frame, linear, r, svg } from './svg';

/** One bar: its label, its phases in seconds, their total, and the text at its end. */
interface Row {
  label: string;
  phases: Record<TrialPhase, number>;
  total: number;
  note: string;
}

/**
 * Horizontal stacked bars on one axis: `scale` 'share' draws each row as 100 %, 'seconds' draws them to
 * one time scale so batches compare.
 */
function stackedBars(rows: readonly Row[], scale: 'share' | 'seconds', title: string): string {
  const rowH = 30;
  const f = frame(1100, rows.length * rowH + 52, { left: 230, right: 200, top: 10 });
  const max = scale === 'share' ? 1 : Math.max(...rows.map((row) => row.total), 1e-9);
  const x = linear([0, max], [f.left, f.width - f.right], { pad: 0, include: [0] });
  const bars = rows.map((row, i) => {
    const y = f.top + 4 + i * rowH;
    let at = 0;
    const segments = TRIAL_PHASES.filter((p) => row.phases[p] > 0).map((p) => {
      const value = scale === 'share' ? row.phases[p] / (row.total || 1) : row.phases[p];
      const x0 = x(at);
      at += value;
      const tip = `${p}: ${formatNumber(row.phases[p])} s (${formatNumber((row.phases[p] / (row.total || 1)) * 100)} %)`;
      return `<rect x="${r(x0)}" y="${y}" width="${r(Math.max(0.5, x(at) - x0))}" height="${rowH - 8}" fill="${PHASE_COLORS[p]}"><title>${esc(tip)}</title></rect>`;
    });
    return `<text class="label" x="${f.left - 8}" y="${y + 11}" dy="0.32em" text-anchor="end">${esc(row.label)}</text>${segments.join('')}` +
      `<text class="value" x="${r(x(scale === 'share' ? 1 : row.total) + 6)}" y="${y + 11}" dy="0.32em">${esc(row.note)}</text>`;
  });
  const bottom = f.height - f.bottom;
  const tickText = (t: number) => (scale === 'share' ? formatNumber(t * 100) : formatNumber(t));
  const ticks = x.ticks.map((t) => `<line class="grid" x1="${r(x(t))}" x2="${r(x(t))}" y1="${f.top}" y2="${bottom}"/>` +
    `<text class="tick" x="${r(x(t))}" y="${bottom + 16}" text-anchor="middle">${esc(tickText(t))}</text>`).join('');
  const axisTitle = scale === 'share' ? 'share of trial time, %' : 'seconds: trial time summed over the threads that ran it, and store';
  const axis = `<text class="axis-title" x="${(f.left + f.width - f.right) / 2}" y="${f.height - 6}" text-anchor="middle">${axisTitle}</text>`;
  return svg(f, title, ticks + bars.join('') + axis);
}

/** The report's "where trial time goes" section body: all trials as shares, the phase table, the slowest batches. */
export function timeBreakdownBody(t: TimeBreakdown): string {
  const total: Row = {
    label: `all ${t.trials} trials`,
    phases: Object.fromEntries(TRIAL_PHASES.map((p) => [p, t.phases[p].s])) as Row['phases'],
    total: t.total_s,
    note: `${formatNumber(t.total_s)} s`,
  };
  const used = TRIAL_PHASES.filter((p) => t.phases[p].s > 0);
  const perTrial = (s: number) => (t.trials > 0 ? formatNumber((s * 1000) / t.trials) : '—');
  const phaseTable = table(
    ['phase', 'seconds', 'share %', 'ms per trial'],
    used.map((p) => [p, formatNumber(t.phases[p].s), formatNumber(t.phases[p].share * 100), perTrial(t.phases[p].s)]),
    new Set([1, 2, 3]),
  );
  const slowest = t.slowest_batches.map((b): Row => {
    const sum = TRIAL_PHASES.reduce((s, p) => s + b.phases_s[p], 0);
    return { label: `trials ${b.trials} · ${b.worker}`.slice(0, 32), phases: b.phases_s, total: sum, note: `${formatNumber(sum)} s, wall ${formatNumber(b.wall_s)} s` };
  });
  const key = legend(used.map((p) => ({ color: PHASE_COLORS[p], label: p })));
  return stackedBars([total], 'share', 'share of trial time by phase') + key + phaseTable +
    (slowest.length ? `<h3>Slowest batches</h3>${stackedBars(slowest, 'seconds', 'slowest batches by phase')}${key}` : '');
}
