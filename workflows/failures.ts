import { ActivityFailure, ApplicationFailure } from '@temporalio/workflow';

/**
 * Ends a session whose outputs could not be written with an error that says why and what is safe. Only
 * permanent errors reach here (bookkeeping retries everything else), so waiting longer would not help.
 */
export function failOutputs(sessionId: string, err: unknown): never {
  if (!(err instanceof ActivityFailure)) throw err;
  const cause = err.cause instanceof ApplicationFailure ? err.cause : null;
  throw ApplicationFailure.nonRetryable(
    `The outputs of session ${sessionId} could not be written: ${cause?.message ?? err.message} ` +
      `Every trial is kept in the trial store; fix the cause, then \`tuneflow report ${sessionId} --out <file>\` writes the report from them.`,
    cause?.type ?? 'InvalidConfig',
  );
}
