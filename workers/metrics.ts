import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import type { TrialTelemetry } from '../activities/telemetry';
import { TRIAL_PHASES } from '../types/session';

/** The final statuses a trial is counted under (they partition the trials), and `retried`, counted besides. */
const STATUSES = ['succeeded', 'unranked', 'failed', 'pruned', 'retried'] as const;

/** From 100 µs (a backtest on a few hundred bars) to 10 min (an external command at its limit). */
const TRIAL_SECONDS_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

/** Batch sizes are 1 to 1,000 trials. */
const BATCH_SIZE_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1000];

export interface WorkerMetrics {
  /** tuneflow's metrics and Node's process metrics (`process_*`, `nodejs_*`), for the metrics endpoint. */
  registry: Registry;
  /** What the worker's activities report into the registry. */
  telemetry: TrialTelemetry;
}

/**
 * A worker's Prometheus metrics, in a registry of its own:
 * - `tuneflow_trials_total{status}`: trials settled on this worker as `succeeded` (ranked), `unranked`
 *   (succeeded, objective not a finite number or too few trades), `failed` or `pruned` (stopped after a stage
 *   by the session's pruning rule); `retried` counts those of them
 *   that needed more than one attempt, so it is left out of a sum over statuses.
 * - `tuneflow_trial_duration_seconds`: each trial's recorded duration (all its attempts; a trial of a batch
 *   part gets its part's time divided by its trials).
 * - `tuneflow_batch_size`: trials per trial activity (1 for single-trial activities).
 * - `tuneflow_trial_phase_seconds_total{phase}`: where trial time went (TRIAL_PHASES), summed over threads.
 * Every series exists from the start at 0, so a rate over a fresh worker is 0, not missing.
 */
export function createWorkerMetrics(): WorkerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const trials = new Counter({
    name: 'tuneflow_trials_total',
    help: 'Trials settled on this worker by final status (succeeded, unranked, failed, pruned); retried: those that needed more than one attempt.',
    labelNames: ['status'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'tuneflow_trial_duration_seconds',
    help: 'Recorded duration of each trial settled on this worker, all attempts.',
    buckets: TRIAL_SECONDS_BUCKETS,
    registers: [registry],
  });
  const batchSize = new Histogram({ name: 'tuneflow_batch_size', help: 'Trials per trial activity.', buckets: BATCH_SIZE_BUCKETS, registers: [registry] });
  const phases = new Counter({
    name: 'tuneflow_trial_phase_seconds_total',
    help: 'Trial time by phase: load, indicators, simulation, statistics (built-in backtests), evaluate (the rest), store.',
    labelNames: ['phase'],
    registers: [registry],
  });
  for (const status of STATUSES) trials.inc({ status }, 0);
  for (const phase of TRIAL_PHASES) phases.inc({ phase }, 0);

  return {
    registry,
    telemetry: {
      trialsSettled(records) {
        const counts = { succeeded: 0, unranked: 0, failed: 0, pruned: 0, retried: 0 };
        for (const record of records) {
          counts[record.status === 'succeeded' ? (record.objective === null ? 'unranked' : 'succeeded') : record.status] += 1;
          if (record.attempt > 1) counts.retried += 1;
          if (record.durationMs > 0) duration.observe(record.durationMs / 1000);
        }
        for (const status of STATUSES) if (counts[status] > 0) trials.inc({ status }, counts[status]);
      },
      batchFinished(size, spent) {
        batchSize.observe(size);
        for (const phase of TRIAL_PHASES) if (spent[phase] > 0) phases.inc({ phase }, spent[phase] / 1000);
      },
    },
  };
}
