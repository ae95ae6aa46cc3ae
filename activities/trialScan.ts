import { BoundedBest } from '../analysis/boundedBest';
import type { RankColumns, WeightedRankPlan } from '../analysis/rank';
import { Reservoir } from '../analysis/reservoir';
import type { SessionSpec } from '../types/session';
import type { TrialRecord } from '../types/trial';
import type { ExternalSorter } from './externalSort';
import type { CsvFile } from './files';
import type { RankedTrial } from './ranking';
import type { TrialStore } from './trialStore';

/** Scored trials the analyses (sensitivity, importance, the report's charts) read at most, plus the best ones. */
export const ANALYSIS_SAMPLE = 20_000;

/** What one pass over a session's trials leaves in memory: counts, the best, a sample, and the rank columns. */
export interface TrialScan {
  counts: { total: number; succeeded: number; failed: number; retried: number };
  /** Every metric name any trial has, sorted. */
  metricNames: string[];
  /** The `topN` best trials by the objective, best first (ties: the lower id). */
  top: RankedTrial[];
  /** Trials ranked by the objective. */
  scored: number;
  /**
   * In id order: a seeded uniform sample of the scored trials, plus every trial that improved the running best
   * (so the best and the best-so-far line are exact) and the top trials; all of them when they are few. Only
   * the top trials keep their metrics.
   */
  sample: RankedTrial[];
  /** Weighted-rank columns of every eligible trial, ids ascending. */
  columns: RankColumns;
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

export interface ScanSinks {
  /** trials.csv, a row per trial in id order. */
  trialsCsv: CsvFile;
  /** The ranked trials' rankings.csv rows, sorted later by objective. */
  rankings: ExternalSorter;
  beat: () => void;
}

/**
 * Reads a session's trials once, in pages, keeping only bounded state: counts, the top N, a reservoir sample,
 * and a few numbers per trial for the weighted rank. Writes trials.csv rows and feeds the rankings sort.
 */
export async function scanTrials(store: TrialStore, spec: SessionSpec, plan: WeightedRankPlan, sinks: ScanSinks): Promise<TrialScan> {
  const paramNames = Object.keys(spec.search.space).sort();
  const sign = spec.objective.direction === 'maximize' ? 1 : -1;
  const better = (a: RankedTrial, b: RankedTrial) => sign * (a.objective - b.objective) > 0 || (a.objective === b.objective && a.trialId < b.trialId);
  const top = new BoundedBest<RankedTrial>(spec.output.topN, better);
  const reservoir = new Reservoir<RankedTrial>(ANALYSIS_SAMPLE, spec.search.seed);
  const improvers: RankedTrial[] = [];
  const counts = { total: 0, succeeded: 0, failed: 0, retried: 0 };
  const metricNames = new Set<string>();
  const ids = new Column(), rankable: boolean[] = [];
  const values = plan.metrics.map(() => new Column());

  for await (const t of store.iterateTrials(spec.sessionId)) {
    counts.total++;
    counts[t.status]++;
    if (t.attempt > 1) counts.retried++;
    if (counts.total % 10_000 === 0) sinks.beat();
    for (const m in t.metrics) metricNames.add(m);
    sinks.trialsCsv.row([t.trialId, t.status, t.attempt, t.workerId, Math.round(t.durationMs * 1000) / 1000, ...paramNames.map((p) => t.params[p]), t.objective, t.error ?? '', t.note ?? '']);
    if (plan.eligible(t)) {
      ids.push(t.trialId);
      rankable.push(plan.rankable(t));
      plan.metrics.forEach((m, k) => values[k].push(t.metrics[m] as number));
    }
    if (!isRanked(t)) continue;
    top.offer(t);
    // The sample's analyses read parameters and the objective; without the metrics a sampled trial costs a
    // tenth of the memory. The best trials, which the summary shows in full, come from `top`.
    const slim = { ...t, metrics: {} };
    reservoir.offer(slim);
    if (improvers.length === 0 || better(t, improvers[improvers.length - 1])) improvers.push(slim);
    sinks.rankings.add({ key: -sign * t.objective, id: t.trialId, payload: JSON.stringify([t.objective, t.params, t.metrics]) });
  }

  const best = top.sorted();
  const sample = new Map<number, RankedTrial>();
  for (const t of [...reservoir.items(), ...improvers, ...best]) sample.set(t.trialId, t);
  return {
    counts,
    metricNames: [...metricNames].sort(),
    top: best,
    scored: reservoir.seen,
    sample: [...sample.values()].sort((a, b) => a.trialId - b.trialId),
    columns: { ids: ids.values(), values: Object.fromEntries(plan.metrics.map((m, k) => [m, values[k].values()])), rankable },
  };
}

function isRanked(t: TrialRecord): t is RankedTrial {
  return t.status === 'succeeded' && t.objective !== null && Number.isFinite(t.objective);
}
