import path from 'node:path';
import { signalAndWait, stopProcess } from '../../services/processes';
import { startWorkerProcess, type WorkerProcess } from '../workerProcess';
import { withTimeout } from './wait';

/** Where a slot's worker connects: the namespace's worker goes through the veth pair. */
export interface Endpoint {
  temporalAddress: string;
  redisUrl: string;
  netns?: string;
}

interface Slot {
  endpoint: Endpoint;
  worker: WorkerProcess;
  generation: number;
}

/** How long a new worker process may take to poll; two cores shared with a loaded stack make it slow. */
const READY_TIMEOUT_MS = 120_000;

/**
 * A fixed number of `tuneflow worker` processes on one task queue. A killed slot stays empty until
 * `refill` starts a new process in it (new worker id, same place: inside the namespace or not).
 */
export class Fleet {
  private readonly slots: Slot[] = [];

  constructor(
    private readonly opts: { taskQueue: string; threads: number; concurrency: number; logDir: string },
    private readonly endpoints: Endpoint[],
  ) {}

  get size(): number {
    return this.endpoints.length;
  }

  async start(): Promise<void> {
    for (let i = 0; i < this.endpoints.length; i++) this.slots.push({ endpoint: this.endpoints[i], worker: this.spawn(i, 0), generation: 0 });
    await Promise.all(this.slots.map((s) => withTimeout(s.worker.ready, READY_TIMEOUT_MS, `worker ${s.worker.id} to poll`)));
  }

  workerId(slot: number): string {
    return this.slots[slot].worker.id;
  }

  /** The slot whose worker runs inside the namespace, if any. */
  netnsSlot(): number | null {
    const index = this.slots.findIndex((s) => s.endpoint.netns !== undefined);
    return index < 0 ? null : index;
  }

  isRunning(slot: number): boolean {
    const child = this.slots[slot].worker.child;
    return child.exitCode === null && child.signalCode === null;
  }

  kill(slot: number): Promise<void> {
    return signalAndWait(this.slots[slot].worker.child, 'SIGKILL');
  }

  async refill(slot: number): Promise<string> {
    const s = this.slots[slot];
    s.generation += 1;
    s.worker = this.spawn(slot, s.generation);
    await withTimeout(s.worker.ready, READY_TIMEOUT_MS, `worker ${s.worker.id} to poll`);
    return s.worker.id;
  }

  /** Stops every worker: SIGTERM, then SIGKILL after a short grace (running trials do not matter any more). */
  async stop(): Promise<void> {
    await Promise.all(this.slots.map((s) => stopProcess(s.worker.child, 2000)));
  }

  /** SIGKILL to every worker, synchronously: the last resort when this process is exiting anyway. */
  killNow(): void {
    for (const s of this.slots) s.worker.child.kill('SIGKILL');
  }

  private spawn(slot: number, generation: number): WorkerProcess {
    const id = `${this.opts.taskQueue}-w${slot}.${generation}`;
    const { temporalAddress, redisUrl, netns } = this.endpoints[slot];
    return startWorkerProcess({
      id,
      taskQueue: this.opts.taskQueue,
      address: temporalAddress,
      redisUrl,
      threads: this.opts.threads,
      concurrency: this.opts.concurrency,
      netns,
      logFile: path.join(this.opts.logDir, `${id}.log`),
    });
  }
}
