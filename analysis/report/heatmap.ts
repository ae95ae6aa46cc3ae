import type { Direction, SearchSpace } from '../../search/types';
import { formatValue, levelsOf, paramAxis, type Level } from '../axes';
import { formatNumber } from '../format';
import { extent } from '../numeric';
import type { ScoredTrial } from '../trials';
import { esc } from './html';
import { COLORS } from './style';
import { frame, r, svg, viridis } from './svg';

const MAX_LEVELS = 12;

/**
 * One heatmap per pair of parameters, all rendered here; a select box shows one at a time (the first
 * without JavaScript). A cell shows the best objective of the trials in it, as backtesting.py's
 * `plot_heatmaps` does by default: where good parameter sets are, not how good a region is on average.
 */
export function heatmaps(trials: readonly ScoredTrial[], params: readonly string[], direction: Direction, metric: string, space?: SearchSpace): string {
  const pairs: [string, string][] = [];
  for (let i = 0; i < params.length; i++) for (let j = i + 1; j < params.length; j++) pairs.push([params[i], params[j]]);
  if (pairs.length === 0) return '<p class="muted">A heatmap needs two parameters.</p>';
  const options = pairs.map(([a, b], k) => `<option value="${k}">${esc(`${a} × ${b}`)}</option>`).join('');
  const figures = pairs.map(([a, b], k) => `<figure data-pair="${k}"${k ? ' hidden' : ''} style="margin:0">${heatmap(trials, a, b, direction, metric, space)}</figure>`);
  return `<div class="pair-picker"><label>Parameters: <select id="pair-select">${options}</select></label></div>${figures.join('')}`;
}

/** The few lines of script the report has: switch the visible heatmap. */
export const HEATMAP_SCRIPT =
  "(function(){var s=document.getElementById('pair-select');if(!s)return;s.addEventListener('change',function(){" +
  "var f=document.querySelectorAll('[data-pair]');for(var i=0;i<f.length;i++)f[i].hidden=f[i].getAttribute('data-pair')!==s.value;});})();";

function heatmap(trials: readonly ScoredTrial[], px: string, py: string, direction: Direction, metric: string, space?: SearchSpace): string {
  const usable = trials.filter((t) => px in t.params && py in t.params);
  const gx = levelsOf(paramAxis(px, usable.map((t) => t.params[px]), space?.[px]), usable.map((t) => t.params[px]), MAX_LEVELS);
  const gy = levelsOf(paramAxis(py, usable.map((t) => t.params[py]), space?.[py]), usable.map((t) => t.params[py]), MAX_LEVELS);
  const nx = gx.levels.length, ny = gy.levels.length;
  const sign = direction === 'maximize' ? 1 : -1;
  const cells = new Map<number, number>();
  for (const t of usable) {
    const i = gx.levelOf(t.params[px]), j = gy.levelOf(t.params[py]);
    if (i < 0 || j < 0) continue;
    const key = j * nx + i, prev = cells.get(key);
    if (prev === undefined || sign * (t.objective - prev) > 0) cells.set(key, t.objective);
  }
  const [lo, hi] = extent(cells.values());
  const score = (v: number) => (hi > lo ? (sign > 0 ? (v - lo) / (hi - lo) : (hi - v) / (hi - lo)) : 1);

  const f = frame(1100, 560, { left: 100, right: 150, top: 12, bottom: 58 });
  const cw = (f.width - f.left - f.right) / nx, ch = (f.height - f.top - f.bottom) / ny;
  const showText = nx * ny <= 144;
  const rects: string[] = [];
  for (let j = 0; j < ny; j++) {
    for (let i = 0; i < nx; i++) {
      const v = cells.get(j * nx + i);
      const x = f.left + i * cw, y = f.height - f.bottom - (j + 1) * ch;
      const fill = v === undefined ? COLORS.empty : viridis(score(v));
      rects.push(`<rect x="${r(x)}" y="${r(y)}" width="${r(cw)}" height="${r(ch)}" fill="${fill}" stroke="#fff" stroke-width="1"><title>${esc(`${px} ${gx.levels[i].label}, ${py} ${gy.levels[j].label}: ${v === undefined ? 'no trial' : formatNumber(v)}`)}</title></rect>`);
      if (showText && v !== undefined) {
        const light = score(v) < 0.6;
        rects.push(`<text x="${r(x + cw / 2)}" y="${r(y + ch / 2)}" dy="0.32em" text-anchor="middle" font-size="11" style="fill:${light ? '#fff' : '#1e293b'}">${esc(cellText(v))}</text>`);
      }
    }
  }
  const bottom = f.height - f.bottom;
  const xTicks = gx.levels.map((l, i) => `<text class="tick" x="${r(f.left + (i + 0.5) * cw)}" y="${bottom + 16}" text-anchor="middle">${esc(tickLabel(l))}</text>`);
  const yTicks = gy.levels.map((l, j) => `<text class="tick" x="${f.left - 8}" y="${r(bottom - (j + 0.5) * ch)}" dy="0.32em" text-anchor="end">${esc(tickLabel(l))}</text>`);
  const titles = `<text class="axis-title" x="${(f.left + f.width - f.right) / 2}" y="${f.height - 10}" text-anchor="middle">${esc(px)}</text>` +
    `<text class="axis-title" transform="translate(16 ${(f.top + bottom) / 2}) rotate(-90)" text-anchor="middle">${esc(py)}</text>`;
  return svg(f, `best ${metric} by ${px} and ${py}`, rects.join('') + xTicks.join('') + yTicks.join('') + titles + colorBar(f, lo, hi, sign, metric));
}

/** Three significant digits: what fits in a cell. */
function cellText(v: number): string {
  return Math.abs(v) >= 1000 ? formatNumber(v) : String(Number(v.toPrecision(3)));
}

function tickLabel(l: Level): string {
  if (l.low === null || l.high === null || l.low === l.high || !l.label.startsWith('[')) return l.label;
  return formatValue((l.low + l.high) / 2);
}

function colorBar(f: ReturnType<typeof frame>, lo: number, hi: number, sign: number, metric: string): string {
  const x = f.width - f.right + 28, top = f.top + 10, height = f.height - f.top - f.bottom - 20, steps = 24;
  const parts: string[] = [];
  for (let k = 0; k < steps; k++) {
    parts.push(`<rect x="${x}" y="${r(top + (k * height) / steps)}" width="16" height="${r(height / steps + 0.5)}" fill="${viridis(1 - k / (steps - 1))}"/>`);
  }
  const [best, worst] = sign > 0 ? [hi, lo] : [lo, hi];
  parts.push(`<text class="tick" x="${x + 22}" y="${top}" dy="0.32em">${esc(formatNumber(best))} best</text>`);
  parts.push(`<text class="tick" x="${x + 22}" y="${top + height}" dy="0.32em">${esc(formatNumber(worst))}</text>`);
  parts.push(`<text class="axis-title" transform="translate(${x + 60} ${top + height / 2}) rotate(90)" text-anchor="middle">best ${esc(metric)} in cell</text>`);
  return parts.join('');
}
