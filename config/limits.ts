import { z } from 'zod';

/**
 * Bounds shared by the YAML schema and the command-line flags, so a value refused in a config file is
 * refused as a flag too, with the same limit in the message.
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
  /** Session ids become workflow ids, Redis keys and a folder name (255 bytes on most file systems). */
  maxSessionIdLength: 128,
} as const;

export const SESSION_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export const trialsSchema = z
  .number()
  .int(`a whole number of trials, at most ${LIMITS.maxTrials}`)
  .min(1, 'at least 1 trial')
  .max(LIMITS.maxTrials, `at most ${LIMITS.maxTrials} trials per session`);
export const seedSchema = z
  .number()
  .int(`a whole-number seed from 0 to ${LIMITS.maxSeed} (2^53 - 1)`)
  .min(0, 'a seed of at least 0')
  .max(LIMITS.maxSeed, `a seed of at most ${LIMITS.maxSeed} (2^53 - 1)`);
export const parallelismSchema = z
  .number()
  .int('a whole number of trials in flight')
  .min(1, 'at least 1 trial in flight')
  .max(LIMITS.maxParallelism, `at most ${LIMITS.maxParallelism} trials in flight`);

/**
 * Why `parallelism` trials in flight, in batches of `batch`, in `concurrency` walk-forward splits at once,
 * would keep too many activities pending, or null when they would not. `auto` batches are sized to fit.
 */
export function activitiesProblem(parallelism: number, batch: number | 'auto', concurrency = 1): string | null {
  const perSession = batch === 'auto' ? Math.ceil(parallelism / LIMITS.maxBatch) : Math.ceil(parallelism / batch);
  const activities = perSession * concurrency;
  if (activities <= LIMITS.maxActivitiesInFlight) return null;
  const split = concurrency > 1 ? ` in each of ${concurrency} walk-forward splits at once` : '';
  return (
    `parallelism ${parallelism} in batches of ${batch}${split} keeps ${activities} trial activities in flight; ` +
    `the limit is ${LIMITS.maxActivitiesInFlight} (Temporal fails a session with more than 2,000 pending activities): ` +
    'lower search.parallelism or raise trial.batch (or leave it auto)'
  );
}

/**
 * Why `id` cannot be a session id, or null when it can. It must start with a letter or digit (so `.`, `..`
 * and `-x` are refused: they would name the outputs' parent folder or read as a flag).
 */
export function sessionIdProblem(id: string): string | null {
  if (id.length === 0) return 'it is empty';
  if (id.length > LIMITS.maxSessionIdLength) return `it has ${id.length} characters; the limit is ${LIMITS.maxSessionIdLength}`;
  if (!SESSION_ID_PATTERN.test(id)) return 'use letters, digits, dot, dash or underscore, starting with a letter or digit';
  return null;
}

/** A session id as messages quote it: a long one (thousands of characters, say) shortened, with its length. */
export function shownSessionId(id: string): string {
  return id.length > 60 ? `${id.slice(0, 40)}…(${id.length} characters)` : id;
}
