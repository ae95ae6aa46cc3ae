import { z } from 'zod';
import { LIMITS } from './bounds';

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
