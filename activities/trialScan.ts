import { BoundedBest } from '../analysis/boundedBest';
import { ParetoArchive, type FrontTrial } from '../analysis/pareto';
import type { RankColumns, WeightedRankPlan } from '../analysis/rank';
import { Reservoir } from '../analysis/reservoir';
import { parseResultConstraints, ViolationTally, type ViolationCounts } from '../config/resultConstraints';
import type { SessionSpec } from '../types/session';
import type { TrialRecord } from '../types/trial';
import type { ExternalSorter } from './externalSort';
import type { CsvFile } from '../files/csv';
import type { ScoredTrial } from '../analysis/trials';
import type { TrialStore } from '../store/trialStore';
import { rankingKey, trialRanksBefore } from '../search/ranking';

/** Scored trials the analyses (sensitivity, importance, the report's charts) read at most, plus the best ones. */
export const ANALYSIS_SAMPLE = 20_000;

/** What one pass over a session's trials leaves in memory: counts, the best, a sample, and the rank columns. */
export interface TrialScan {
  /**
   * `cached`: trials answered by the result cache, counted in sessions that use it; `pruned`: trials the pruning
   * rule stopped, counted in sessions with `pruning` (neither succeeded nor failed).
   */
  counts: { total: number; succeeded: number; failed: number; retried: number; cached?: number; pruned?: number };
  /** Every metric name any trial has, sorted. */
  metricNames: string[];
  /** The `topN` best trials by the objective, best first (ties: the lower id). */
  top: ScoredTrial[];
  /** Trials ranked by the objective. */
  scored: number;
  /**
   * In id order: a seeded uniform sample of the scored trials, plus every trial that improved the running best
   * (so the best and the best-so-far line are exact) and the top trials; all of them when they are few. Only
   * the top trials keep their metrics.
   */
  sample: ScoredTrial[];
  /** Weighted-rank columns of every eligible trial, ids ascending. */
  columns: RankColumns;
  /** How many succeeded trials broke the result constraints; null when the session has none. */
  violations: ViolationCounts | null;
  /** The Pareto front of a multi-objective session (see ParetoArchive), with how many were thinned out. */
  front?: { trials: FrontTrial[]; thinned: number };
  /** Sessions with pruning: trials pruned after each stage (index 0: after stage 1). */
  prunedByStage?: number[];
}

/** A growable column of numbers: 8 bytes per trial instead of a record. */
class Column {
  private data = new Float64Array(1024);
  length = 0;
  push(v: number): void {
    if (this.length === this.data.length) {
      const next = new Float64Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }
  values(): Float64Array {
    return this.data.subarray(0, this.length);
  }
}

/**
 * A bounded sample of ranked trials for the analyses: a seeded uniform reservoir of slim copies (no metrics),
 * every trial that improved the running best (so the best and the best-so-far line are exact), and the `topN`
 * best with their metrics. Trials must be offered in id order.
 */
export class TrialSample {
  private readonly topTrials: BoundedBest<ScoredTrial>;
  private readonly reservoir: Reservoir<ScoredTrial>;
  private readonly improvers: ScoredTrial[] = [];
  private readonly better: (a: ScoredTrial, b: ScoredTrial) => boolean;

  /** `keep`: metrics the sampled copies keep (the objectives of a multi-objective session, for its front chart). */
  constructor(direction: 'maximize' | 'minimize', topN: number, seed: number, private readonly keep: readonly string[] = []) {
    this.better = trialRanksBefore(direction);
    this.topTrials = new BoundedBest<ScoredTrial>(topN, this.better);
    this.reservoir = new Reservoir<ScoredTrial>(ANALYSIS_SAMPLE, seed);
  }

  /** Ranked trials offered so far. */
  get seen(): number {
    return this.reservoir.seen;
  }

  offer(t: ScoredTrial): void {
    this.topTrials.offer(t);
    // The sample's analyses read parameters and the objective; without the metrics a sampled trial costs a
    // tenth of the memory. The best trials, which the summary shows in full, come from `top`.
    const slim = { ...t, metrics: Object.fromEntries(this.keep.map((m) => [m, t.metrics[m] ?? null])) };
    this.reservoir.offer(slim);
    if (this.improvers.length === 0 || this.better(t, this.improvers[this.improvers.length - 1])) this.improvers.push(slim);
  }

  /** The `topN` best, best first (ties: the lower id). */
  top(): ScoredTrial[] {
    return this.topTrials.sorted();
  }

  /** The sample, the improvers and the best, each once, in id order. */
  trials(): ScoredTrial[] {
    const sample = new Map<number, ScoredTrial>();
    for (const t of [...this.reservoir.items(), ...this.improvers, ...this.top()]) sample.set(t.trialId, t);
    return [...sample.values()].sort((a, b) => a.trialId - b.trialId);
  }
}

export interface ScanSinks {
  /** trials.csv, a row per trial in id order. */
  trialsCsv: CsvFile;
  /** The ranked trials' rankings.csv rows, sorted later by objective. */
  rankings: ExternalSorter;
  /** Every ranked trial, for the robust choice (sessions with `select`). */
  neighbourhoods?: { add(t: ScoredTrial): void };
  beat: () => void;
  /** Every ranked trial, in id order, for analyses that keep their own bounded state. */
  ranked?: (t: ScoredTrial) => void;
}

/**
 * Reads a session's trials once, in pages, keeping only bounded state: counts, the top N, a reservoir sample,
 * and a few numbers per trial for the weighted rank. Writes trials.csv rows and feeds the rankings sort.
 * Trials that break a result constraint are counted and take no part in the weighted rank.
 */
export async function scanTrials(store: TrialStore, spec: SessionSpec, plan: WeightedRankPlan, sinks: ScanSinks): Promise<TrialScan> {
  const paramNames = Object.keys(spec.search.space).sort();
  const cacheColumn = spec.evaluator.kind === 'backtest' && spec.evaluator.cache !== undefined;
  const pruningColumns = spec.pruning !== undefined;
  const prunedByStage = spec.pruning ? new Array<number>(spec.pruning.stages).fill(0) : undefined;
  const objectives = spec.objectives;
  const sample = new TrialSample(spec.objective.direction, spec.output.topN, spec.search.seed, objectives?.map((o) => o.metric));
  const archive = objectives ? new ParetoArchive(objectives.map((o) => o.direction)) : null;
  const counts: TrialScan['counts'] = { total: 0, succeeded: 0, failed: 0, retried: 0, ...(cacheColumn ? { cached: 0 } : {}), ...(pruningColumns ? { pruned: 0 } : {}) };
  const metricNames = new Set<string>();
  const ids = new Column(), rankable: boolean[] = [];
  const values = plan.metrics.map(() => new Column());
  const violations = spec.resultConstraints?.length ? new ViolationTally(parseResultConstraints(spec.resultConstraints)) : null;

  for await (const t of store.iterateTrials(spec.sessionId)) {
    counts.total++;
    if (t.status === 'pruned') {
      counts.pruned = (counts.pruned ?? 0) + 1;
      if (prunedByStage && t.pruned) prunedByStage[t.pruned.stage - 1] += 1;
    } else counts[t.status]++;
    if (t.attempt > 1) counts.retried++;
    if (counts.total % 10_000 === 0) sinks.beat();
    for (const m in t.metrics) metricNames.add(m);
    const row = [t.trialId, t.status, t.attempt, t.workerId, Math.round(t.durationMs * 1000) / 1000, ...paramNames.map((p) => t.params[p]), t.objective, t.error ?? '', t.note ?? ''];
    if (cacheColumn) {
      row.push(t.cached ? 1 : 0);
      if (t.cached) counts.cached = (counts.cached ?? 0) + 1;
    }
    if (pruningColumns) row.push(t.pruned?.stage ?? '', t.pruned?.value ?? '');
    sinks.trialsCsv.row(row);
    const violates = t.status === 'succeeded' && violations !== null && violations.offer(t.metrics);
    if (plan.eligible(t) && !violates) {
      ids.push(t.trialId);
      rankable.push(plan.rankable(t));
      plan.metrics.forEach((m, k) => values[k].push(t.metrics[m] as number));
    }
    if (!isRanked(t)) continue;
    sample.offer(t);
    if (archive && objectives) archive.offer({ trialId: t.trialId, params: t.params, values: objectives.map((o) => t.metrics[o.metric] as number) });
    sinks.ranked?.(t);
    sinks.neighbourhoods?.add(t);
    sinks.rankings.add({ key: rankingKey(spec.objective.direction, t.objective), id: t.trialId, payload: JSON.stringify([t.objective, t.params, t.metrics]) });
  }

  return {
    counts,
    metricNames: [...metricNames].sort(),
    top: sample.top(),
    scored: sample.seen,
    sample: sample.trials(),
    columns: { ids: ids.values(), values: Object.fromEntries(plan.metrics.map((m, k) => [m, values[k].values()])), rankable },
    violations: violations?.counts() ?? null,
    ...(archive ? { front: { trials: archive.front(), thinned: archive.thinned } } : {}),
    ...(prunedByStage ? { prunedByStage } : {}),
  };
}

export function isRanked(t: TrialRecord): t is ScoredTrial {
  return t.status === 'succeeded' && t.objective !== null && Number.isFinite(t.objective);
}
