/**
 * Bad input from a user: a config file, a data file, a parameter range, a CLI flag.
 * The CLI prints the message as one paragraph and exits with code 2; nothing has been started or written.
 */
export class InputError extends Error {
  override name = 'InputError';
}

/**
 * A parameter set a strategy cannot run (e.g. `fast >= slow`, a period longer than the data).
 * A session records the trial as failed and never retries it.
 */
export class InvalidParametersError extends InputError {
  override name = 'InvalidParametersError';
}

/**
 * A service tuneflow needs (Temporal, Redis) cannot be reached. The message names its address and what to
 * check; the CLI prints it as one paragraph and exits with code 2.
 */
export class UnreachableServiceError extends Error {
  override name = 'UnreachableServiceError';
}

/**
 * A trial of a batch part that failed as a whole (its thread ran out of memory or crashed, or the part
 * outlived its time): the trial's own outcome is unknown, so it runs again alone.
 */
export class BatchPartError extends Error {
  override name = 'BatchPartError';
}
