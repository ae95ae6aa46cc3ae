import { ApplicationFailure } from '@temporalio/activity';
import { InputError, InvalidParametersError } from '../errors';
import { EvaluatorOutputError } from '../evaluators/command/errors';

/**
 * File-system errors that no retry heals: a path too long, a file where a folder should be, no permission,
 * a read-only file system. A full disk (ENOSPC) or an I/O error is not among them: those can clear.
 */
const PERMANENT_FS_CODES = new Set(['ENAMETOOLONG', 'ENOTDIR', 'EISDIR', 'EACCES', 'EPERM', 'EROFS', 'ELOOP']);

/**
 * The Temporal failure an activity error becomes: errors that recur on every attempt become non-retryable
 * with a type every retry policy of a session lists; everything else is returned as it is, to be retried.
 */
export function toActivityFailure(err: unknown): unknown {
  if (err instanceof ApplicationFailure) return err;
  if (err instanceof InvalidParametersError) return ApplicationFailure.nonRetryable(err.message, 'InvalidParameters');
  if (err instanceof EvaluatorOutputError) return ApplicationFailure.nonRetryable(err.message, 'InvalidTrialOutput');
  if (err instanceof InputError) return ApplicationFailure.nonRetryable(err.message, 'InvalidConfig');
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if (typeof code === 'string' && PERMANENT_FS_CODES.has(code)) return ApplicationFailure.nonRetryable((err as Error).message, 'InvalidConfig');
  return err;
}

/** `fn` with its errors turned into activity failures by {@link toActivityFailure}. */
export function failFast<A extends unknown[], R>(fn: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  return async (...args) => {
    try {
      return await fn(...args);
    } catch (err) {
      throw toActivityFailure(err);
    }
  };
}
