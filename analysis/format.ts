import type { ParamValue } from '../search/types';
import { formatValue } from './axes';
import type { Wfe } from './walkForward';

/** A number for people: about four significant digits, thousands without decimals, `—` when undefined. */
export function formatNumber(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  if (Math.abs(v) >= 1000) return Math.round(v).toString();
  return formatValue(v);
}

export function formatParam(v: ParamValue | null | undefined): string {
  if (v === null || v === undefined) return '—';
  return typeof v === 'number' ? formatValue(v) : String(v);
}

/** `2021-03-04`, with the time of day only when there is one (intraday bars). */
export function formatTime(ms: number): string {
  const iso = new Date(ms).toISOString();
  return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso.slice(0, 16).replace('T', ' ');
}

const WFE_UNDEFINED_TEXT = {
  in_sample_return_not_positive: 'n/a (IS return ≤ 0)',
  return_missing: 'n/a (return undefined)',
} as const;

/** A walk-forward efficiency, or why there is none. */
export function formatWfe(w: Wfe): string {
  return w.value === null ? WFE_UNDEFINED_TEXT[w.reason ?? 'return_missing'] : formatNumber(w.value);
}
