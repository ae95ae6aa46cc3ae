import { WorkflowFailedError } from '@temporalio/client';
import { InputError, UnreachableServiceError } from '../errors';
import type { SessionSummary } from '../types/session';

/** Exit codes: 0 every trial succeeded, 1 the session finished with failed trials, 2 bad input or a runtime error, 130 interrupted. */
export const EXIT = { ok: 0, someFailed: 1, error: 2, interrupted: 130 } as const;

/** The exit code of a finished session; one without a single ranked trial has no result, however many trials ran without error. */
export function summaryExitCode(summary: SessionSummary): number {
  return summary.counts.failed > 0 || !summary.best ? EXIT.someFailed : EXIT.ok;
}

/** Exit code of a command ended by SIGINT or SIGTERM. */
export const INTERRUPTED = 130;

/**
 * The innermost message of a failed session: Temporal wraps the reason in "Workflow execution failed" and
 * activity or child failures, which say where but not what.
 */
export function sessionFailure(err: WorkflowFailedError): string {
  let cause: Error | undefined = err.cause;
  while (cause?.cause instanceof Error) cause = cause.cause;
  return cause ? `session failed: ${cause.message}` : err.message;
}

const ESCAPES: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * Input errors quote the input (a session id, a metric, a constraint, a CSV field); its line breaks and
 * control characters are shown escaped, so the message stays one paragraph and cannot drive the terminal.
 */
export function escapeControls(message: string): string {
  return message.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Prints an error as one paragraph and returns the exit code for it. */
export function reportError(err: unknown): number {
  if (err instanceof WorkflowFailedError) {
    console.error(`tuneflow: ${sessionFailure(err)}`);
  } else if (err instanceof InputError || err instanceof UnreachableServiceError) {
    console.error(`tuneflow: ${escapeControls(err.message)}`);
  } else if (err instanceof Error) {
    console.error(`tuneflow: ${err.message}${process.env.TUNEFLOW_DEBUG ? `\n${err.stack}` : ''}`);
  } else {
    console.error(`tuneflow: ${String(err)}`);
  }
  return EXIT.error;
}
