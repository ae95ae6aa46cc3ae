import fs from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { installRuntime, workflowBundle } from '../../workers/worker';

/**
 * Replays the histories of workflows a test file ran against today's workflow code, and, with
 * TUNEFLOW_RECORD_HISTORIES=<folder>, writes them there as fixtures for the replay test of later releases.
 */
export async function replayAndRecord(client: Client, workflowIds: readonly string[]): Promise<void> {
  installRuntime();
  const bundle = await workflowBundle();
  const recordTo = process.env.TUNEFLOW_RECORD_HISTORIES;
  for (const workflowId of workflowIds) {
    const history = await client.workflow.getHandle(workflowId).fetchHistory();
    await Worker.runReplayHistory({ workflowBundle: bundle }, history, workflowId);
    if (recordTo) {
      // Binary protobuf: the SDK's JSON history helpers need a protobufjs its own install does not agree on.
      fs.mkdirSync(recordTo, { recursive: true });
      fs.writeFileSync(path.join(recordTo, `${workflowId.replace(/\//g, '__')}.binpb`), temporal.api.history.v1.History.encode(history).finish());
    }
  }
}
