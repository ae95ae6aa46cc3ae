import { InputError, UnreachableServiceError } from '../types/errors';

/** Exit codes: 0 every trial succeeded, 1 the session finished with failed trials, 2 bad input or a runtime error. */
export const EXIT = { ok: 0, someFailed: 1, error: 2 } as const;

/** Prints an error as one paragraph and returns the exit code for it. */
export function reportError(err: unknown): number {
  if (err instanceof InputError || err instanceof UnreachableServiceError) {
    console.error(`tuneflow: ${err.message}`);
  } else if (err instanceof Error) {
    console.error(`tuneflow: ${err.message}${process.env.TUNEFLOW_DEBUG ? `\n${err.stack}` : ''}`);
  } else {
    console.error(`tuneflow: ${String(err)}`);
  }
  return EXIT.error;
}
