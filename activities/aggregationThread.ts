import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { InputError } from '../errors';
import type { AggregateInput, AggregateResult, RunStatistics } from './aggregate';

/** What the aggregation thread receives. */
export interface AggregationJob {
  redisUrl: string;
  input: AggregateInput;
  versions: Record<string, string>;
  statistics: RunStatistics;
}

/** An error as it crosses back from the thread: enough to rebuild the class the failure classification reads. */
export interface ThreadFailure {
  input: boolean;
  name: string;
  message: string;
  code?: string;
}

export type AggregationReply = { result: AggregateResult } | { failure: ThreadFailure };

/** The aggregation thread's V8 heap, in MB: TUNEFLOW_AGGREGATION_HEAP_MB, else this. */
const DEFAULT_HEAP_MB = 256;
/** Below this the thread cannot load the analyses and the report with room to spare. */
const MIN_HEAP_MB = 64;

/**
 * Aggregates a session in a thread of its own with a bounded heap: its memory is released when it ends
 * instead of staying with the worker, a collection happens before the heap outgrows the bound, and the
 * worker's event loop keeps heartbeating and polling while the analyses compute.
 * @throws InputError when the aggregation needs more heap than allowed (it would on every attempt), and the
 *   aggregation's own errors rebuilt with their class or code.
 */
export function aggregateInThread(job: AggregationJob): Promise<AggregateResult> {
  const setting = process.env.TUNEFLOW_AGGREGATION_HEAP_MB;
  const heapMb = setting === undefined || setting === '' ? DEFAULT_HEAP_MB : Number(setting);
  if (!Number.isInteger(heapMb) || heapMb < MIN_HEAP_MB) {
    return Promise.reject(
      new InputError(`TUNEFLOW_AGGREGATION_HEAP_MB on ${os.hostname()} must be a whole number of MB, at least ${MIN_HEAP_MB}, got ${JSON.stringify(setting)}; every trial is in the trial store.`),
    );
  }
  return new Promise((resolve, reject) => {
    const thread = new Worker(path.join(__dirname, 'aggregationThreadMain.js'), {
      workerData: job,
      // A small young generation: the aggregation streams, so little of what it allocates lives long.
      resourceLimits: { maxOldGenerationSizeMb: heapMb, maxYoungGenerationSizeMb: 8 },
    });
    let settled = false;
    thread.once('message', (reply: AggregationReply) => {
      settled = true;
      if ('result' in reply) resolve(reply.result);
      else reject(rebuild(reply.failure));
    });
    thread.once('error', (err: NodeJS.ErrnoException) => {
      settled = true;
      if (err.code === 'ERR_WORKER_OUT_OF_MEMORY') {
        reject(
          new InputError(
            `Aggregating session ${job.input.spec.sessionId} needed more than its ${heapMb} MB heap; every trial is in the trial store. ` +
              'Set TUNEFLOW_AGGREGATION_HEAP_MB higher on the workers and write the outputs again with `tuneflow report`.',
          ),
        );
      } else reject(err);
    });
    thread.once('exit', (code) => {
      if (!settled) reject(new Error(`the aggregation thread exited (code ${code}) without a result`));
    });
  });
}

function rebuild(failure: ThreadFailure): Error {
  const err = failure.input ? new InputError(failure.message) : Object.assign(new Error(failure.message), { name: failure.name });
  if (failure.code) Object.assign(err, { code: failure.code });
  return err;
}
