import { TRIAL_PHASES, type PhaseMs, type TrialPhase } from '../types/session';

/** One batch's time (a trial activity: a batch of trials, or of one), as the trial store keeps the slowest. */
export interface BatchTime {
  firstTrialId: number;
  lastTrialId: number;
  /** Trials this attempt of the activity evaluated. */
  trials: number;
  workerId: string;
  /** Epoch ms. */
  finishedAt: number;
  /** Wall time of the attempt. */
  wallMs: number;
  phases: PhaseMs;
}

/** What the trial store holds about a session's trial time: totals over every batch, and the slowest in full. */
export interface SessionTimes {
  batches: number;
  trials: number;
  wallMs: number;
  phases: PhaseMs;
  /** Batches by wall-time bucket (see {@link wallBucket}), as `[bucket, count]`. */
  wallBuckets: Array<[number, number]>;
  /** The slowest batches by wall time, slowest first. */
  slowest: BatchTime[];
}

/** Buckets per doubling of the wall-time histogram: a percentile read from it is within 4.5 % of the truth. */
const BUCKETS_PER_DOUBLING = 8;

/**
 * The histogram bucket of a batch's wall time: bucket b holds [2^(b/8), 2^((b+1)/8)) ms. A fixed set of
 * buckets keeps the store's share of a session bounded whatever its number of batches, and lets any
 * number of workers add to it without reading it first.
 */
export function wallBucket(ms: number): number {
  return Math.floor(Math.log2(Math.max(ms, 1e-3)) * BUCKETS_PER_DOUBLING);
}

function bucketStart(bucket: number): number {
  return 2 ** (bucket / BUCKETS_PER_DOUBLING);
}

/**
 * The `q` quantile (0..1) of the wall times a histogram counts, interpolated geometrically inside its
 * bucket; null for an empty histogram.
 */
export function histogramQuantile(buckets: ReadonlyArray<[number, number]>, q: number): number | null {
  const sorted = [...buckets].filter(([, n]) => n > 0).sort((a, b) => a[0] - b[0]);
  const total = sorted.reduce((s, [, n]) => s + n, 0);
  if (total === 0) return null;
  const rank = Math.min(total, Math.max(0, q * total));
  let before = 0;
  for (const [bucket, n] of sorted) {
    if (before + n >= rank) {
      const lo = bucketStart(bucket);
      return lo * (bucketStart(bucket + 1) / lo) ** ((rank - before) / n);
    }
    before += n;
  }
  return bucketStart(sorted[sorted.length - 1][0] + 1);
}

export function noPhaseMs(): PhaseMs {
  return { load: 0, indicators: 0, simulation: 0, statistics: 0, evaluate: 0, store: 0 };
}

/** Slowest batches kept per session. */
export const SLOWEST_KEPT = 10;

/** The times of several sessions as one (a walk-forward session's splits). */
export function mergeSessionTimes(parts: readonly SessionTimes[]): SessionTimes {
  const phases = noPhaseMs();
  const buckets = new Map<number, number>();
  for (const part of parts) {
    for (const p of TRIAL_PHASES) phases[p] += part.phases[p];
    for (const [bucket, n] of part.wallBuckets) buckets.set(bucket, (buckets.get(bucket) ?? 0) + n);
  }
  return {
    batches: parts.reduce((s, p) => s + p.batches, 0),
    trials: parts.reduce((s, p) => s + p.trials, 0),
    wallMs: parts.reduce((s, p) => s + p.wallMs, 0),
    phases,
    wallBuckets: [...buckets].sort((a, b) => a[0] - b[0]),
    slowest: parts.flatMap((p) => p.slowest).sort((a, b) => b.wallMs - a.wallMs).slice(0, SLOWEST_KEPT),
  };
}

/** run.json's `time_breakdown`: where the trials' time went, in total and per batch. */
export interface TimeBreakdown {
  /** Batches (trial activities, single trials included) that evaluated trials; a retried attempt counts again. */
  batches: number;
  trials: number;
  /** All phases together: the trials' time plus writing their records. */
  total_s: number;
  phases: Record<TrialPhase, { s: number; share: number }>;
  /** Wall time of one batch: median, 95th percentile (from a histogram, within 4.5 %) and maximum. */
  batch_wall_s: { p50: number | null; p95: number | null; max: number | null };
  slowest_batches: Array<{ trials: string; evaluated: number; worker: string; finished_at: string; wall_s: number; phases_s: Record<TrialPhase, number> }>;
}

const seconds = (ms: number) => Math.round(ms * 1000) / 1e6;

/** The breakdown run.json and report.html show, from what the trial store holds. */
export function timeBreakdown(times: SessionTimes): TimeBreakdown {
  const totalMs = TRIAL_PHASES.reduce((s, p) => s + times.phases[p], 0);
  const max = times.slowest.length ? times.slowest[0].wallMs : null;
  const quantile = (q: number) => {
    const v = histogramQuantile(times.wallBuckets, q);
    // The histogram's bucket can reach past the slowest batch, which is known exactly.
    return v === null ? null : seconds(max === null ? v : Math.min(v, max));
  };
  return {
    batches: times.batches,
    trials: times.trials,
    total_s: seconds(totalMs),
    phases: Object.fromEntries(
      TRIAL_PHASES.map((p) => [p, { s: seconds(times.phases[p]), share: totalMs > 0 ? Math.round((times.phases[p] / totalMs) * 10_000) / 10_000 : 0 }]),
    ) as TimeBreakdown['phases'],
    batch_wall_s: { p50: quantile(0.5), p95: quantile(0.95), max: max === null ? null : seconds(max) },
    slowest_batches: times.slowest.map((a) => ({
      trials: a.firstTrialId === a.lastTrialId ? String(a.firstTrialId) : `${a.firstTrialId}-${a.lastTrialId}`,
      evaluated: a.trials,
      worker: a.workerId,
      finished_at: new Date(a.finishedAt).toISOString(),
      wall_s: seconds(a.wallMs),
      phases_s: Object.fromEntries(TRIAL_PHASES.map((p) => [p, seconds(a.phases[p])])) as Record<TrialPhase, number>,
    })),
  };
}
