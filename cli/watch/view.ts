import type { Params } from '../../search/types';
import type { LeaderboardEntry, SessionProgress } from '../../types/session';
// Text from the session (ids, parameter values, errors) is shown escaped, so that it cannot drive the terminal.
import { escapeControls as printable } from '../errors';
import { formatCell, table } from '../print';
import { trialsDone, type FleetRow, type WatchSnapshot } from './snapshot';

/** The live view's size: a terminal's columns and rows. */
export interface ViewSize {
  columns: number;
  rows: number;
}

/** Rows of the best trials the view lists. */
const TOP_ROWS = 5;
/** Recent failed or retried trials the view lists. */
const ISSUE_ROWS = 3;
/** The progress bar's widest and narrowest; narrower than the least, the line goes without a bar. */
const BAR_MAX = 40;
const BAR_MIN = 10;

/**
 * The live view of a session as lines of text, none wider than `size.columns`, and no more of them than fit
 * above the cursor in `size.rows`: header, progress bar with trials/s and ETA, counts, the best trial, what
 * the session waits on, then as room allows the top trials, the fleet, recent failures and the Web UI link.
 */
export function renderView(s: WatchSnapshot, size: ViewSize, now: number): string[] {
  const columns = Math.max(1, Math.floor(size.columns));
  const essential = [header(s, now), progressLine(s, columns), ...(s.progress ? [countsLine(s.progress), bestLine(s.metric, s.progress.best)] : [])];
  if (s.progress && s.unanswered) essential.push(`Not answering now, so this is its last answer: ${s.unanswered}`);
  if (s.waitingOn) essential.push(`Waiting on retries: ${s.waitingOn}`);
  if (s.result) essential.push(`Outputs: ${printable(s.result.outputDir)}`);
  const blocks: Block[] = [topBlock(s), fleetBlock(s.fleet), failuresBlock(s), s.webUi ? { lines: [`Web UI: ${s.webUi}`] } : null].filter(
    (b): b is Block => b !== null,
  );
  // The cursor rests on the line below the view, so the view may use one row less than the terminal has.
  return stack(essential, blocks, Math.max(1, Math.floor(size.rows) - 1)).map((line) => fit(line, columns));
}

/** Lines of a section; `fixed` of them lead, and the rest may be cut when the view runs out of rows. */
interface Block {
  lines: string[];
  fixed?: number;
}

/** The essential lines, then each block after a blank line as far as they fit in `rows`. */
function stack(essential: string[], blocks: Block[], rows: number): string[] {
  const out = essential.slice(0, rows);
  for (const block of blocks) {
    const room = rows - out.length - 1;
    if (block.lines.length <= room) out.push('', ...block.lines);
    else if (block.fixed !== undefined && room >= block.fixed + 2) {
      const kept = room - block.fixed - 1;
      out.push('', ...block.lines.slice(0, block.fixed + kept), `… ${block.lines.length - block.fixed - kept} more`);
    }
  }
  return out;
}

/** A line cut to `columns`, an ellipsis marking the cut. */
export function fit(line: string, columns: number): string {
  const chars = [...line];
  return chars.length <= columns ? line : `${chars.slice(0, Math.max(0, columns - 1)).join('')}…`;
}

function header(s: WatchSnapshot, now: number): string {
  const parts = [`Session ${printable(s.sessionId)}`, stateWord(s)];
  const p = s.progress;
  if (p && p.runs > 1) parts.push(`run ${p.runs}`);
  if (p?.batch !== undefined && p.batch > 1) parts.push(`batch ${p.batch}`);
  if (s.status === 'RUNNING' && p?.deadline != null) {
    parts.push(p.deadline > now ? `deadline ${clockTime(p.deadline)} (in ${formatDuration(p.deadline - now)})` : `deadline ${clockTime(p.deadline)} passed`);
  }
  return parts.join(' · ');
}

/** What the session is doing, in one word or two: its status once closed; while it runs, its phase. */
export function stateWord(s: Pick<WatchSnapshot, 'status' | 'progress' | 'result'>): string {
  if (s.status !== 'RUNNING') return s.result?.stoppedBy === 'deadline' ? `${s.status} (stopped at the deadline)` : s.status;
  const p = s.progress;
  if (!p) return 'RUNNING';
  if (p.stopping) return 'STOPPING';
  if (p.paused) return 'PAUSED';
  const phases: Record<SessionProgress['phase'], string> = { running: 'RUNNING', draining: 'DRAINING', aggregating: 'WRITING OUTPUTS', done: 'FINISHING' };
  return phases[p.phase];
}

function progressLine(s: WatchSnapshot, columns: number): string {
  const p = s.progress;
  if (!p) {
    if (s.status !== 'RUNNING') return 'No progress to show: the session had ended.';
    return s.unanswered ? `Waiting for the session to answer: ${s.unanswered}` : 'Asking the session for its progress…';
  }
  const done = trialsDone(p);
  const share = p.budget > 0 ? Math.min(1, done / p.budget) : 1;
  const text = [
    `${formatCount(done)}/${formatCount(p.budget)} trials`,
    `${Math.floor(share * 100)}%`,
    ...(s.status === 'RUNNING' ? [`${formatRate(s.throughput.perSecond)} trials/s`, `ETA ${s.throughput.etaMs === null ? '-' : formatDuration(s.throughput.etaMs)}`] : []),
  ].join('  ');
  const barWidth = Math.min(BAR_MAX, columns - text.length - 3);
  return barWidth < BAR_MIN ? text : `${progressBar(share, barWidth)} ${text}`;
}

/** `[████░░░░]`: `width` cells between the brackets, filled in proportion to `share` (0..1). */
export function progressBar(share: number, width: number): string {
  const filled = Math.round(Math.min(1, Math.max(0, share)) * width);
  return `[${'█'.repeat(filled)}${'░'.repeat(width - filled)}]`;
}

function countsLine(p: SessionProgress): string {
  const parts = [`${formatCount(p.counts.succeeded)} succeeded`, `${formatCount(p.counts.failed)} failed`];
  if (p.counts.retried) parts.push(`${formatCount(p.counts.retried)} retried`);
  if (p.counts.unranked) parts.push(`${formatCount(p.counts.unranked)} unranked`);
  if (p.counts.pruned !== undefined) parts.push(`${formatCount(p.counts.pruned)} pruned`);
  parts.push(`${formatCount(p.running)} running`);
  return parts.join(' · ');
}

function bestLine(metric: string, best: LeaderboardEntry | null): string {
  return best ? `Best ${metric} ${formatCell(best.objective)} · trial #${best.trialId} · ${formatParams(best.params)}` : `Best ${metric}: no ranked trial yet`;
}

function topBlock(s: WatchSnapshot): Block | null {
  if (s.top === null) return null;
  if (s.top.length === 0) return { lines: [`Top ${TOP_ROWS}: no ranked trial yet`] };
  const top = s.top.slice(0, TOP_ROWS);
  const names = Object.keys(top[0].params).sort();
  const rows = top.map((e, i) => [i + 1, `#${e.trialId}`, ...names.map((n) => printable(formatCell(e.params[n]))), e.objective]);
  return { lines: [`Top ${top.length} by ${s.metric}`, ...table(['rank', 'trial', ...names.map(printable), s.metric], rows).split('\n')], fixed: 2 };
}

function fleetBlock(fleet: FleetRow[] | null): Block | null {
  if (fleet === null) return null;
  if (fleet.length === 0) return { lines: ['Fleet: no worker has reported yet'] };
  const alive = fleet.filter((w) => w.alive).length;
  const busyTotal = fleet.reduce((sum, w) => sum + w.busyMs, 0);
  const rows = fleet.map((w) => [
    printable(w.workerId),
    w.alive ? 'alive' : 'gone',
    w.running,
    w.done,
    w.failed,
    busyTotal > 0 ? `${Math.round((w.busyMs / busyTotal) * 100)}%` : '-',
  ]);
  const title = `Fleet: ${alive} alive${fleet.length > alive ? `, ${fleet.length - alive} gone` : ''} (busy: share of this session's trial time)`;
  return { lines: [title, ...table(['worker', 'state', 'running', 'done', 'failed', 'busy'], rows).split('\n')], fixed: 2 };
}

function failuresBlock(s: WatchSnapshot): Block | null {
  const counts = s.progress?.counts;
  const issues = (s.issues ?? []).slice(-ISSUE_ROWS).reverse();
  if (!counts?.failed && !counts?.retried && issues.length === 0) return null;
  const title = `Failures: ${formatCount(counts?.failed ?? 0)} failed${counts?.retried ? `, ${formatCount(counts.retried)} retried` : ''}`;
  const rows = issues.map((i) => `#${i.trialId}  ${i.attempts} attempt${i.attempts === 1 ? '' : 's'}  ${i.error ? printable(i.error) : 'succeeded after retries'}`);
  return { lines: [title, ...rows] };
}

function formatParams(params: Params): string {
  return Object.keys(params)
    .sort()
    .map((name) => `${printable(name)}=${printable(formatCell(params[name]))}`)
    .join(' ');
}

/** 1234567 → `1,234,567`. */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** Trials per second with about three significant digits; `-` while unknown. */
export function formatRate(perSecond: number | null): string {
  if (perSecond === null) return '-';
  if (perSecond >= 100) return formatCount(Math.round(perSecond));
  return perSecond >= 10 ? perSecond.toFixed(1) : perSecond.toFixed(2);
}

/** `45s`, `2m 05s`, `1h 02m`, `3d 04h`. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const pad = (n: number) => String(n).padStart(2, '0');
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${pad(s % 60)}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h ${pad(Math.floor((s % 3600) / 60))}m`;
  return `${Math.floor(s / 86_400)}d ${pad(Math.floor((s % 86_400) / 3600))}h`;
}

/** Local time of day, `14:05:09`. */
function clockTime(epochMs: number): string {
  const d = new Date(epochMs);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}
