import path from 'node:path';
import { analyseWalkForward, renderReportHtml, renderSummaryMarkdown, type WalkForwardAnalysis, type WalkForwardSplitResult } from '../analysis';
import type { Bars } from '../backtest';
import { computeCalendar } from '../backtest/calendar';
import { formatIsoTime } from '../backtest/dates';
import type { BacktestEvaluatorSpec, HoldoutResult, LeaderboardEntry, SessionCounts, SessionSpec, SplitResult, WalkForwardSpec } from '../types/session';
import { OutputWriter, runIdentity, type AggregateResult } from './aggregate';
import { runWindow, sessionBars } from '../evaluators/backtest';
import { toCsv } from '../files/csv';
import { overfittingColumns, overfittingJson, OverfittingCollector } from './overfitting';
import type { TrialStore } from '../store/trialStore';
import { isRanked, TrialSample } from './trialScan';
import { InputError } from '../errors';
import { parseResultConstraints, ViolationTally } from '../config/resultConstraints';
import type { OverfittingReport } from '../analysis/overfitting';
import { timeBreakdown, type SessionTimes } from '../analysis/timeBreakdown';
import type { TrialCounts } from '../analysis/summary';

type Split = WalkForwardSpec['splits'][number];

export interface EvaluateSplitInput {
  spec: SessionSpec;
  split: Split;
  candidates: LeaderboardEntry[];
  counts: SessionCounts;
}

/** A split's in-sample leaders, each backtested on the training and on the test window. */
export function evaluateSplitCandidates(input: EvaluateSplitInput): SplitResult {
  const { spec, split } = input;
  if (spec.evaluator.kind !== 'backtest') throw new InputError('walk-forward needs the built-in backtest engine');
  const evaluator = spec.evaluator;
  return {
    k: split.k,
    sessionId: spec.sessionId,
    train: split.train,
    test: split.test,
    counts: input.counts,
    candidates: input.candidates.map((c) => ({
      trialId: c.trialId,
      params: c.params,
      inSample: runWindow(evaluator, c.params, split.train).metrics,
      outOfSample: runWindow(evaluator, c.params, split.test).metrics,
    })),
  };
}

export interface WalkForwardAggregateInput {
  spec: SessionSpec;
  /** The splits that finished; their results are read from the trial store. */
  splits?: Array<{ k: number; sessionId: string }>;
  /** The results themselves, as sessions recorded before the store held them passed them. */
  results?: SplitResult[];
  failures: Array<{ k: number; error: string }>;
  /** The recommended set on the holdout bars (sessions with `walk_forward.holdout`), from {@link evaluateHoldout}. */
  holdout?: HoldoutResult;
}

/** The finished splits' results, in split order: from the input, or from each split's entry in the store. */
export async function finishedSplits(store: TrialStore, input: WalkForwardAggregateInput): Promise<SplitResult[]> {
  if (input.results) return [...input.results].sort((a, b) => a.k - b.k);
  const results: SplitResult[] = [];
  for (const split of input.splits ?? []) {
    const result = (await store.getMeta(split.sessionId))?.result;
    if (!result) throw new Error(`split ${split.k} finished but its result is not in the trial store yet (${split.sessionId}); retrying.`);
    results.push(result);
  }
  return results.sort((a, b) => a.k - b.k);
}

export type WalkForwardAggregateResult = AggregateResult & { recommended: LeaderboardEntry | null };

/**
 * The walk-forward analysis of the finished splits: each split's chosen set is backtested again on its test
 * window for its equity curve, and every candidate's out-of-sample result ranks the recommendation.
 */
function analyseSplits(spec: SessionSpec, evaluator: BacktestEvaluatorSpec, results: SplitResult[], data: Bars): WalkForwardAnalysis {
  const metric = spec.objective.metric;
  const splitResults: WalkForwardSplitResult[] = results
    .filter((r) => r.candidates.length > 0)
    .map((r) => {
      const chosen = r.candidates[0];
      const oos = runWindow(evaluator, chosen.params, r.test);
      return {
        split: r.k,
        params: chosen.params,
        inSample: { start: data.time[r.train.start], end: data.time[r.train.end - 1], metrics: chosen.inSample },
        outOfSample: { start: data.time[r.test.start], end: data.time[r.test.end - 1], metrics: oos.metrics, times: oos.times, equity: oos.equity },
        candidates: r.candidates.map((c) => ({ params: c.params, objective: c.outOfSample[metric] ?? null, metrics: c.outOfSample })),
      };
    });
  return analyseWalkForward(splitResults, { objective: spec.objective, periodsPerYear: computeCalendar(data).annualDays });
}

/**
 * Backtests the recommended set once on the holdout bars, after every split has finished: the set is chosen
 * from the splits alone, as the outputs report it, so no selection step sees the holdout. Null without a
 * holdout or without a recommendation (no split finished with a candidate).
 */
export async function evaluateHoldout(store: TrialStore, input: Pick<WalkForwardAggregateInput, 'spec' | 'splits'>): Promise<HoldoutResult | null> {
  const { spec } = input;
  const holdout = spec.walkForward?.holdout;
  if (!holdout) return null;
  if (spec.evaluator.kind !== 'backtest') throw new InputError('walk-forward needs the built-in backtest engine');
  const results = await finishedSplits(store, { ...input, failures: [] });
  const recommended = analyseSplits(spec, spec.evaluator, results, sessionBars(spec.evaluator)).recommended;
  if (!recommended) return null;
  return { start: holdout.start, end: holdout.end, params: recommended.params, metrics: runWindow(spec.evaluator, recommended.params, holdout).metrics };
}

function holdoutJson(h: NonNullable<WalkForwardAnalysis['holdout']>) {
  return { from: formatIsoTime(h.from), to: formatIsoTime(h.to), bars: h.bars, params: h.params, metrics: h.metrics };
}

/** The session ids of a walk-forward session's split children, each with trials of its own. */
export function splitSessionIds(spec: SessionSpec): string[] {
  return (spec.walkForward?.splits ?? []).map((split) => `${spec.sessionId}/split-${split.k}`);
}

/**
 * The walk-forward outputs: per split the in-sample choice and its out-of-sample metrics, the stitched
 * out-of-sample equity curve with its t-statistic, walk-forward efficiency, parameter drift and the
 * recommended parameter set (splits.csv, walk_forward.json, best_params.json, rankings.csv, summary.md,
 * report.html, run.json). `times` is where the splits' trial time went, all splits together.
 */
export async function aggregateWalkForward(
  store: TrialStore,
  input: WalkForwardAggregateInput,
  versions: Record<string, string>,
  times: SessionTimes | null,
): Promise<WalkForwardAggregateResult> {
  const { spec } = input;
  if (spec.evaluator.kind !== 'backtest') throw new InputError('walk-forward needs the built-in backtest engine');
  const results = await finishedSplits(store, input);
  const evaluator = spec.evaluator;
  const data = sessionBars(evaluator);
  const metric = spec.objective.metric;
  const analysis = analyseSplits(spec, evaluator, results, data);
  if (input.holdout) {
    const { start, end, params, metrics } = input.holdout;
    analysis.holdout = { from: data.time[start], to: data.time[end - 1], bars: end - start, params, metrics };
  }

  // Every split's trials, numbered across splits, read once in pages: counted, sampled for the charts, and
  // collected for the overfitting statistics of each split's in-sample best.
  const sample = new TrialSample(spec.objective.direction, spec.output.topN, spec.search.seed);
  const counts: TrialCounts = { total: 0, succeeded: 0, ...(spec.pruning ? { pruned: 0 } : {}) };
  const overfittingBySplit: Array<{ split: number; report: OverfittingReport }> = [];
  const violations = spec.resultConstraints?.length ? new ViolationTally(parseResultConstraints(spec.resultConstraints)) : null;
  for (const r of results) {
    const inSample = OverfittingCollector.of({ ...spec, sessionId: r.sessionId, walkForward: undefined, evaluator: { ...evaluator, window: r.train } });
    for await (const t of store.iterateTrials(r.sessionId)) {
      counts.total += 1;
      if (t.status === 'succeeded') {
        counts.succeeded += 1;
        violations?.offer(t.metrics);
      }
      if (t.status === 'pruned') counts.pruned = (counts.pruned ?? 0) + 1;
      if (isRanked(t)) inSample.offer(t);
      const numbered = { ...t, trialId: counts.total };
      if (isRanked(numbered)) sample.offer(numbered);
    }
    overfittingBySplit.push({ split: r.k, report: inSample.assess() });
  }

  const out = new OutputWriter(path.join(spec.output.dir, spec.sessionId));
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  const paramNames = Object.keys(spec.search.space).sort();
  out.write(
    'splits.csv',
    toCsv(
      ['split', 'train_from', 'train_to', 'test_from', 'test_to', ...paramNames, `is_${metric}`, `oos_${metric}`, 'is_return_ann_pct', 'oos_return_ann_pct', 'wfe', 'wfe_note', 'trials_succeeded', 'trials_failed',
        ...(spec.pruning ? ['trials_pruned'] : []), 'psr', 'deflated_sharpe', 'trials_effective', 'pbo', 'verdict'],
      analysis.splits.map((a) => {
        const r = results.find((x) => x.k === a.split)!;
        return [a.split, day(a.inSample.start), day(a.inSample.end), day(a.outOfSample.start), day(a.outOfSample.end), ...paramNames.map((p) => a.params[p]),
          r.candidates[0].inSample[metric], a.oosObjective, a.isReturnAnnPct, a.oosReturnAnnPct, a.wfe.value, a.wfe.reason ?? '', r.counts.succeeded, r.counts.failed,
          ...(spec.pruning ? [r.counts.pruned ?? 0] : []), ...overfittingColumns(overfittingBySplit.find((o) => o.split === a.split)?.report)];
      }),
    ),
  );
  out.write(
    'rankings.csv',
    toCsv(
      ['split', 'is_rank', 'trial_id', ...paramNames, `is_${metric}`, `oos_${metric}`, 'oos_return_pct', 'oos_trades'],
      results.flatMap((r) => r.candidates.map((c, i) => [r.k, i + 1, c.trialId, ...paramNames.map((p) => c.params[p]), c.inSample[metric], c.outOfSample[metric], c.outOfSample.return_pct, c.outOfSample.trades])),
    ),
  );
  const recommended = analysis.recommended;
  out.writeJson('best_params.json', {
    session_id: spec.sessionId,
    objective: spec.objective,
    recommended: recommended && { params: recommended.params, score: recommended.score, splits_evaluated: recommended.splitsEvaluated, mean_oos_sharpe: recommended.meanOosSharpe },
    rule: 'best mean out-of-sample rank score across splits; ties go to the higher mean out-of-sample Sharpe',
    per_split: analysis.splits.map((a) => ({ split: a.split, params: a.params, oos_objective: a.oosObjective, wfe: a.wfe })),
    ...(analysis.holdout ? { holdout: holdoutJson(analysis.holdout) } : {}),
  });
  const { stitched } = analysis;
  out.writeJson('walk_forward.json', {
    mode: spec.walkForward?.mode,
    failed_splits: input.failures,
    overall_wfe: analysis.overallWfe,
    stitched: { return_pct: stitched.returnPct, max_drawdown_pct: stitched.maxDrawdownPct, bars: stitched.bars, t_stat: stitched.tStat, sharpe_ann: stitched.sharpeAnn },
    drift: analysis.drift,
    splits: analysis.splits,
    in_sample_overfitting: overfittingBySplit.map((o) => ({ split: o.split, ...overfittingJson(o.report) })),
    ...(spec.walkForward?.holdout ? { holdout: analysis.holdout ? holdoutJson(analysis.holdout) : null } : {}),
    ...(violations ? { result_constraints: violations.counts() } : {}),
  });

  const trials = sample.trials();
  const sampled = trials.length < sample.seen ? { sampled: trials.length, of: sample.seen } : undefined;
  const common = {
    sessionId: spec.sessionId, objective: spec.objective, trials, counts, sampled, walkForward: analysis, overfittingBySplit, topN: spec.output.topN,
    ...(violations ? { violations: violations.counts() } : {}),
  };
  out.write('summary.md', renderSummaryMarkdown(common));
  const breakdown = times && timeBreakdown(times);
  out.write('report.html', renderReportHtml({ ...common, space: spec.search.space, timeBreakdown: breakdown ?? undefined, generatedAt: new Date().toISOString() }));
  const meta = await store.getMeta(spec.sessionId);
  out.writeJson('run.json', {
    ...runIdentity(spec, versions, meta?.startedAt),
    splits: results.map((r) => ({ split: r.k, session_id: r.sessionId, counts: r.counts })),
    failed_splits: input.failures,
    time_breakdown: breakdown,
  });
  const best: LeaderboardEntry | null =
    recommended && { trialId: 0, params: recommended.params, objective: recommended.meanOosSharpe ?? recommended.score };
  return { outputDir: out.dir, files: out.files, recommended: best };
}
