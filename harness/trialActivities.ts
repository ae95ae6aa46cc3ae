import { defaultPayloadConverter } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { TrialInput } from '../evaluators';

export type PendingActivity = temporal.api.workflow.v1.IPendingActivityInfo;
type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

const STARTED = temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED;

/**
 * The activities a worker has taken and not yet reported, as the server sees them (a workflow description's
 * pending activities); only those last handed to `workerId` when it is given. A scheduled activity that waits
 * in the task queue is not running anywhere, so it is left out.
 */
export function runningActivities(pending: PendingActivity[] | null | undefined, workerId?: string): PendingActivity[] {
  return (pending ?? []).filter((p) => p.state === STARTED && (workerId === undefined || p.lastWorkerIdentity === workerId));
}

export interface ScheduledTrial {
  trialId: number;
  activityId: string;
}

/** The evaluateTrial activities in one run's history, by the event id of their ActivityTaskScheduled event. */
export function scheduledTrials(events: HistoryEvent[] | null | undefined): Map<number, ScheduledTrial> {
  const scheduled = new Map<number, ScheduledTrial>();
  for (const event of events ?? []) {
    const attributes = event.activityTaskScheduledEventAttributes;
    if (attributes?.activityType?.name !== 'evaluateTrial') continue;
    const trialId = defaultPayloadConverter.fromPayload<TrialInput>(attributes.input!.payloads![0]).trialId;
    scheduled.set(Number(event.eventId), { trialId, activityId: attributes.activityId ?? '' });
  }
  return scheduled;
}

/** The name of the timeout that ended an attempt, else the failure's message, as the history tells it. */
export function failureName(failure: temporal.api.failure.v1.IFailure | null | undefined): string {
  const type = failure?.timeoutFailureInfo?.timeoutType;
  if (type !== undefined && type !== null) return temporal.api.enums.v1.TimeoutType[type].replace('TIMEOUT_TYPE_', '').toLowerCase() + ' timeout';
  return failure?.message ?? 'unknown';
}
