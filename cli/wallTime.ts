/** The thread counts `tuneflow estimate` predicts for. */
export const THREAD_COUNTS = [1, 2, 4, 8, 16] as const;

/** A per-trial cost of the durable stack, and the measurement it comes from. */
export interface StackCost {
  msPerTrial: number;
  source: string;
}

/**
 * What Temporal, Redis and the workflow add to each trial, from BENCHMARKS.md, all on one 2-core machine with
 * the dev server persisting to SQLite: `bench:overhead` ("Durable stack overhead", a trivial objective, so every
 * millisecond there is orchestration) and `bench:campaign` (real backtests: durable trials/s against the engine
 * alone on the same 2 threads). The row used is the widest window measured that the session's window reaches;
 * a window narrower than 8 gets the 8-trial row, though fewer trials in flight turn around even more slowly.
 */
const MEASURED: ReadonlyArray<{ batched: boolean; inFlight: number; msPerTrial: number; source: string }> = [
  { batched: true, inFlight: 4096, msPerTrial: 1000 / 10_375 - 1000 / 21_110, source: 'bench:campaign, 4,096 in flight: 10,375 durable trials/s against 21,110 for the engine alone' },
  { batched: true, inFlight: 256, msPerTrial: 1000 / 5_071, source: 'bench:overhead, batches, 256 in flight: 5,071 trials/s of a trivial objective' },
  { batched: true, inFlight: 64, msPerTrial: 1000 / 1_581, source: 'bench:overhead, batches, 64 in flight: 1,581 trials/s of a trivial objective' },
  { batched: true, inFlight: 1, msPerTrial: 1000 / 80, source: 'bench:overhead, batches, 8 in flight: 80 trials/s of a trivial objective' },
  { batched: false, inFlight: 64, msPerTrial: 1000 / 209, source: 'bench:overhead, one activity per trial, 64 in flight: 209 trials/s of a trivial objective' },
  { batched: false, inFlight: 1, msPerTrial: 1000 / 80, source: 'bench:overhead, one activity per trial, 8 in flight: 80 trials/s of a trivial objective' },
];

/** Writing the outputs: `bench:store` aggregates 1,000,000 trials in 27.9 s. */
export const OUTPUTS_COST: StackCost = { msPerTrial: 27_900 / 1_000_000, source: 'bench:store: 1,000,000 trials aggregated in 27.9 s' };

/** The orchestration cost of a trial in a session with this batching and this many trials in flight. */
export function orchestrationCost(batched: boolean, inFlight: number): StackCost {
  const row = MEASURED.find((m) => m.batched === batched && inFlight >= m.inFlight) as (typeof MEASURED)[number];
  return { msPerTrial: row.msPerTrial, source: row.source };
}

export interface WallTimeInput {
  trials: number;
  /** Time of one trial's evaluation on one core. */
  trialMs: number;
  /** Trials the session keeps in flight: no more threads than that can be busy. */
  inFlight: number;
  batched: boolean;
}

export interface WallTimePrediction {
  threads: number;
  /** Threads that have a trial to run: at most the trials in flight. */
  busyThreads: number;
  evaluationSeconds: number;
  stackSeconds: number;
  seconds: number;
}

/**
 * Predicted wall time of a whole session: the trials spread evenly over the threads that can be busy (one core
 * each), plus the stack's cost per trial, which does not shrink with more threads (it was measured with the
 * server, Redis and the worker sharing the cores). Starting the worker and the session is left out.
 */
export function predictWallTime(input: WallTimeInput, threads: number): WallTimePrediction {
  const busyThreads = Math.max(1, Math.min(threads, input.inFlight));
  const evaluationSeconds = (input.trials * input.trialMs) / busyThreads / 1000;
  const stackSeconds = (input.trials * (orchestrationCost(input.batched, input.inFlight).msPerTrial + OUTPUTS_COST.msPerTrial)) / 1000;
  return { threads, busyThreads, evaluationSeconds, stackSeconds, seconds: evaluationSeconds + stackSeconds };
}

/** A duration for people: 0.42 s, 12.3 s, 4 min 10 s, 2 h 05 min, 3 d 4 h. */
export function formatDuration(seconds: number): string {
  if (seconds < 10) return `${seconds.toFixed(2)} s`;
  if (seconds < 59.95) return `${seconds.toFixed(1)} s`;
  const s = Math.round(seconds);
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  const m = Math.round(seconds / 60);
  if (m < 24 * 60) return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
  const h = Math.round(seconds / 3600);
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}
