import type { Client } from '@temporalio/client';
import { runningActivities } from '../trialActivities';
import { pollUntil, sleep, withLinkedSignal } from './wait';

/** One look at the session's current run, as the server sees it. */
export interface Snapshot {
  runId: string;
  status: string;
  /** Activity ids of the run's pending activities (trials scheduled, running or waiting to retry). */
  pending: Set<string>;
  /** Activity ids the server shows running, by the worker that took each. */
  runningBy: Map<string, string>;
}

const POLL_MS = 200;

/** Reads a session's progress from `describe()` of its runs: cheap, no history events, no worker involved. */
export class SessionObserver {
  constructor(
    private readonly client: Client,
    private readonly sessionId: string,
    private readonly signal: AbortSignal,
  ) {}

  /** The current run, retried while the server is unreachable (up to `capMs`). */
  async snapshot(capMs = 120_000): Promise<Snapshot> {
    const deadline = Date.now() + capMs;
    for (;;) {
      try {
        return await this.describe();
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await sleep(POLL_MS, this.signal);
      }
    }
  }

  /** The activity ids running on `workerId` in a snapshot. */
  static runningOn(snapshot: Snapshot, workerId: string): string[] {
    return [...snapshot.runningBy].filter(([, worker]) => worker === workerId).map(([id]) => id);
  }

  /**
   * Waits until the session moves on from `baseline`: the workflow schedules a trial that was not pending
   * then, continues as new, or finishes. Retries of pending trials keep their activity id, so they do not
   * count: only a trial the workflow started after learning of a result does.
   * @returns when it saw that (epoch ms), or null after `capMs`.
   */
  waitProgress(baseline: Snapshot, capMs: number): Promise<number | null> {
    return pollUntil(
      async () => {
        const now = await this.describe();
        return now.runId !== baseline.runId || now.status !== 'RUNNING' || [...now.pending].some((id) => !baseline.pending.has(id));
      },
      { everyMs: POLL_MS, capMs, signal: this.signal },
    );
  }

  /**
   * Waits until none of `activityIds` of run `runId` is pending any more: each trial has completed, whichever
   * worker finally ran it.
   * @returns when it saw that (epoch ms), or null after `capMs`.
   */
  waitCompleted(runId: string, activityIds: string[], capMs: number): Promise<number | null> {
    return pollUntil(
      async () => {
        const run = await this.describe(runId);
        return activityIds.every((id) => !run.pending.has(id));
      },
      { everyMs: POLL_MS, capMs, signal: this.signal },
    );
  }

  private async describe(runId?: string): Promise<Snapshot> {
    const description = await withLinkedSignal(this.signal, (local) =>
      this.client.withAbortSignal(local, () => this.client.workflow.getHandle(this.sessionId, runId).describe()),
    );
    const pending = description.raw.pendingActivities ?? [];
    return {
      runId: description.runId,
      status: description.status.name,
      pending: new Set(pending.map((p) => p.activityId ?? '')),
      runningBy: new Map(runningActivities(pending).map((p) => [p.activityId ?? '', p.lastWorkerIdentity ?? ''])),
    };
  }
}
