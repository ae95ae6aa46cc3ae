import type { Direction, ParamValue, Params } from '../search/types';
import type { MetricValues } from '../types/trial';
import { mean, rankScores, sampleStd } from './numeric';

/** The recommended walk-forward set's one backtest on the bars no split saw. */
export interface HoldoutReport {
  /** First and last bar's time, epoch ms. */
  from: number;
  to: number;
  bars: number;
  params: Params;
  metrics: MetricValues;
}

/** One evaluated window. Times are epoch milliseconds (UTC), inclusive. */
export interface WindowResult {
  start: number;
  end: number;
  /** Statistics of the window, as `computeStats` names them; `return_ann_pct` feeds WFE. */
  metrics: MetricValues;
}

/** A parameter set's out-of-sample result in one split. */
export interface CandidateResult {
  params: Params;
  /** The session objective's value out of sample; null when undefined. */
  objective: number | null;
  metrics: MetricValues;
}

/** What one walk-forward split produced. */
export interface WalkForwardSplitResult {
  /** The split's number in the plan, from 0. */
  split: number;
  /** The parameters the in-sample tuning chose. */
  params: Params;
  inSample: WindowResult;
  /** The chosen parameters out of sample, with their equity per bar (`equity[i]` at `times[i]`). */
  outOfSample: WindowResult & { times: number[]; equity: number[] };
  /** The split's in-sample top-N evaluated out of sample (the chosen set included); only the chosen set when absent. */
  candidates?: CandidateResult[];
}

export interface WalkForwardOptions {
  objective: { metric: string; direction: Direction };
  /** Bars per year for annualising the stitched Sharpe, e.g. `computeCalendar(bars).annualDays` (default 252). */
  periodsPerYear?: number;
}

/** Why a walk-forward efficiency is not reported. */
export type WfeUndefined = 'in_sample_return_not_positive' | 'return_missing';

export interface Wfe {
  value: number | null;
  reason: WfeUndefined | null;
}

export interface SplitAnalysis {
  split: number;
  params: Params;
  inSample: { start: number; end: number };
  outOfSample: { start: number; end: number };
  isReturnAnnPct: number | null;
  oosReturnAnnPct: number | null;
  oosObjective: number | null;
  wfe: Wfe;
}

export interface StitchedCurve {
  times: number[];
  equity: number[];
  returnPct: number;
  /** Deepest fall from a running peak, in percent, negative as `max_drawdown_pct`. */
  maxDrawdownPct: number;
  /** Per-bar returns used for the statistics: every split's bar-to-bar returns, not the joins between splits. */
  bars: number;
  /** mean / (std / √n) of the per-bar returns (sample std); null below two returns or with no dispersion. */
  tStat: number | null;
  /** mean / std of the per-bar returns × √periodsPerYear; `computeStats` on the stitched curve compounds differently. */
  sharpeAnn: number | null;
}

export interface Recommendation {
  params: Params;
  /** Sum of the set's per-split OOS rank scores over the number of splits (a split that did not test it adds 0). */
  score: number;
  splitsEvaluated: number;
  /** Mean OOS `sharpe` over the splits that tested it: the tie-break. */
  meanOosSharpe: number | null;
}

export interface WalkForwardAnalysis {
  splits: SplitAnalysis[];
  stitched: StitchedCurve;
  /** Mean OOS annualised return over mean IS annualised return, over the splits where both are known. */
  overallWfe: Wfe;
  /** Each parameter's chosen value per split, in split order; null where a split did not set it. */
  drift: { param: string; values: (ParamValue | null)[]; distinct: number }[];
  recommended: Recommendation | null;
  /** The recommended set on the bars no split saw (sessions with `walk_forward.holdout`, once it ran). */
  holdout?: HoldoutReport;
}

/**
 * Walk-forward statistics from the splits' results.
 *
 * - Walk-forward efficiency (WFE) = annualised OOS return / annualised IS return (`return_ann_pct`). It is
 *   only reported when the IS return is positive: with IS ≤ 0 the ratio would read as "robust" when both
 *   are negative and explode near 0, so `value` is null with `reason: 'in_sample_return_not_positive'`,
 *   and readers see both returns beside it. A negative WFE means IS earned and OOS lost. The overall WFE is
 *   the ratio of the mean returns, by the same rule. WFE alone is weak evidence: read it with the stitched
 *   OOS Sharpe and t-statistic.
 * - The stitched curve puts the OOS windows end to end in time order, each rescaled to start where the
 *   previous one ended; the join itself is not a return.
 * - Recommendation: every split ranks the parameter sets it tested out of sample by the objective (average
 *   rank for ties, undefined objectives last) into scores from 0 to 1 (1 = best); a set's score is the sum
 *   of its scores over the number of splits, so a set that did well in many splits beats one that shone
 *   once. Ties go to the higher mean OOS `sharpe`, then to the set seen first.
 *
 * @throws Error when the OOS windows overlap or a curve is malformed: the split plan is broken.
 * @example analyseWalkForward(splitResults, { objective: spec.objective, periodsPerYear: calendar.annualDays })
 */
export function analyseWalkForward(splits: readonly WalkForwardSplitResult[], options: WalkForwardOptions): WalkForwardAnalysis {
  const ordered = [...splits].sort((a, b) => a.outOfSample.start - b.outOfSample.start);
  const metric = options.objective.metric;
  const perSplit = ordered.map((s): SplitAnalysis => {
    const isRet = finite(s.inSample.metrics.return_ann_pct);
    const oosRet = finite(s.outOfSample.metrics.return_ann_pct);
    return {
      split: s.split,
      params: s.params,
      inSample: { start: s.inSample.start, end: s.inSample.end },
      outOfSample: { start: s.outOfSample.start, end: s.outOfSample.end },
      isReturnAnnPct: isRet,
      oosReturnAnnPct: oosRet,
      oosObjective: finite(s.outOfSample.metrics[metric]),
      wfe: efficiency(oosRet, isRet),
    };
  });
  const both = perSplit.filter((s) => s.isReturnAnnPct !== null && s.oosReturnAnnPct !== null);
  const overallWfe = both.length
    ? efficiency(mean(both.map((s) => s.oosReturnAnnPct!)), mean(both.map((s) => s.isReturnAnnPct!)))
    : { value: null, reason: 'return_missing' as const };

  const names = [...new Set(ordered.flatMap((s) => Object.keys(s.params)))].sort();
  const drift = names.map((param) => {
    const values = ordered.map((s) => (param in s.params ? s.params[param] : null));
    return { param, values, distinct: new Set(values).size };
  });
  return {
    splits: perSplit,
    stitched: stitch(ordered, options.periodsPerYear ?? 252),
    overallWfe,
    drift,
    recommended: recommend(ordered, options.objective),
  };
}

function efficiency(oos: number | null, is: number | null): Wfe {
  if (oos === null || is === null) return { value: null, reason: 'return_missing' };
  if (!(is > 0)) return { value: null, reason: 'in_sample_return_not_positive' };
  return { value: oos / is, reason: null };
}

function stitch(splits: readonly WalkForwardSplitResult[], periodsPerYear: number): StitchedCurve {
  const times: number[] = [], equity: number[] = [], returns: number[] = [];
  for (const s of splits) {
    const { times: t, equity: e } = s.outOfSample;
    if (t.length !== e.length || e.length === 0) throw new Error(`split ${s.split}: OOS curve needs as many times as equity values, and at least one`);
    if (!e.every((x) => Number.isFinite(x) && x > 0)) throw new Error(`split ${s.split}: OOS equity must be finite and positive`);
    if (times.length && t[0] <= times[times.length - 1]) throw new Error(`split ${s.split}: OOS window starts before the previous one ended`);
    const scale = equity.length ? equity[equity.length - 1] / e[0] : 1;
    for (let i = 0; i < e.length; i++) {
      times.push(t[i]);
      equity.push(e[i] * scale);
      if (i > 0) returns.push(e[i] / e[i - 1] - 1);
    }
  }
  let peak = -Infinity, maxDd = 0;
  for (const x of equity) {
    peak = Math.max(peak, x);
    maxDd = Math.min(maxDd, x / peak - 1);
  }
  const m = mean(returns), sd = sampleStd(returns);
  const dispersed = returns.length >= 2 && sd > 0;
  return {
    times,
    equity,
    returnPct: equity.length ? (equity[equity.length - 1] / equity[0] - 1) * 100 : 0,
    maxDrawdownPct: maxDd * 100,
    bars: returns.length,
    tStat: dispersed ? m / (sd / Math.sqrt(returns.length)) : null,
    sharpeAnn: dispersed ? (m / sd) * Math.sqrt(periodsPerYear) : null,
  };
}

function recommend(splits: readonly WalkForwardSplitResult[], objective: WalkForwardOptions['objective']): Recommendation | null {
  const pool = new Map<string, { params: Params; scoreSum: number; sharpes: number[]; splits: number }>();
  const sign = objective.direction === 'maximize' ? 1 : -1;
  for (const s of splits) {
    const candidates = s.candidates?.length
      ? s.candidates
      : [{ params: s.params, objective: s.outOfSample.metrics[objective.metric] ?? null, metrics: s.outOfSample.metrics }];
    const scores = rankScores(candidates.map((c) => (c.objective !== null && Number.isFinite(c.objective) ? sign * c.objective : -Infinity)));
    candidates.forEach((c, i) => {
      const key = paramsKey(c.params);
      const entry = pool.get(key) ?? { params: c.params, scoreSum: 0, sharpes: [], splits: 0 };
      entry.scoreSum += scores[i];
      entry.splits += 1;
      const sharpe = finite(c.metrics.sharpe);
      if (sharpe !== null) entry.sharpes.push(sharpe);
      pool.set(key, entry);
    });
  }
  let best: Recommendation | null = null;
  for (const e of pool.values()) {
    const r: Recommendation = { params: e.params, score: e.scoreSum / splits.length, splitsEvaluated: e.splits, meanOosSharpe: e.sharpes.length ? mean(e.sharpes) : null };
    if (!best || r.score > best.score || (r.score === best.score && (r.meanOosSharpe ?? -Infinity) > (best.meanOosSharpe ?? -Infinity))) best = r;
  }
  return best;
}

function paramsKey(params: Params): string {
  return JSON.stringify(Object.keys(params).sort().map((k) => [k, params[k]]));
}

function finite(v: number | null | undefined): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}
