/**
 * Bounds shared by the YAML schema, the command-line flags and the workflows (which check live changes against
 * them), so a value refused in a config file is refused everywhere, with the same limit in the message. No
 * imports: workflow code bundles it.
 */
export const LIMITS = {
  /** A million-trial campaign is the design target; a hundred times that is a typo, not a plan. */
  maxTrials: 100_000_000,
  /** Seeds feed a 53-bit key derivation; larger numbers lose their low digits silently. */
  maxSeed: Number.MAX_SAFE_INTEGER,
  /** Trials in flight; with batches many trials share one activity (see maxActivitiesInFlight). */
  maxParallelism: 100_000,
  /**
   * Trial activities (batches) in flight. Temporal fails every workflow task of a run with more than 2,000
   * pending activities, and the walk-forward parent multiplies this by its split concurrency, so the cap
   * sits well below.
   */
  maxActivitiesInFlight: 500,
  /** Trials per batch activity. */
  maxBatch: 1000,
  /** Stages a pruned trial's window is cut into: each adds statistics over its prefix, and the store keeps a report set per stage. */
  maxStages: 20,
  /** Session ids become workflow ids, Redis keys and a folder name (255 bytes on most file systems). */
  maxSessionIdLength: 128,
} as const;
