import type { PhaseMs } from '../types/session';
import type { TrialRecord } from '../types/trial';

/**
 * What a worker's metrics learn from its trial activities (workers/metrics.ts serves them to Prometheus).
 * Activities run without one in tests and embedders. Calls are cheap and never fail.
 */
export interface TrialTelemetry {
  /**
   * Trials settled on this worker, each with the record it was stored with. A record without a duration (its
   * trial failed without running here, e.g. with its whole batch) is counted, not timed.
   */
  trialsSettled(records: readonly TrialRecord[]): void;
  /** A trial activity ended: how many trials it was given, and where the time of those it evaluated went. */
  batchFinished(trials: number, phases: PhaseMs): void;
}
