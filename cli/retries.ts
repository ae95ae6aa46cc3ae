import type { WorkflowHandle } from '@temporalio/client';

/** Activities retried at least this often are worth a line: one retry is routine, several are a stall. */
const WORTH_SAYING = 3;

/**
 * What a session is waiting on, when it is waiting on retries: the activity retried most often, its attempt
 * and its last error, e.g. `aggregateSession attempt 7: connect ECONNREFUSED 127.0.0.1:6390`. Permanent
 * errors fail at once, so what shows here is an outage a user can do something about; null when nothing
 * has been retried more than routinely.
 */
export async function stalledOn(handle: WorkflowHandle): Promise<string | null> {
  const { raw } = await handle.describe();
  let worst: { name: string; attempt: number; message: string } | null = null;
  for (const pending of raw.pendingActivities ?? []) {
    const attempt = pending.attempt ?? 0;
    if (attempt < WORTH_SAYING || (worst && attempt <= worst.attempt)) continue;
    worst = { name: pending.activityType?.name ?? 'activity', attempt, message: (pending.lastFailure?.message ?? 'no error recorded').split('\n')[0] };
  }
  return worst && `${worst.name} attempt ${worst.attempt}: ${worst.message}`.slice(0, 300);
}
