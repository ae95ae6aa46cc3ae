import path from 'node:path';
import { Worker } from 'node:worker_threads';

export type WatchdogMessage = { type: 'begin'; serial: number; fifos: string[]; label: string } | { type: 'end'; serial: number };
export interface WatchdogReply {
  serial: number;
  /** FIFOs of the case that the command opened for reading. */
  fifoReads: string[];
}

/** A thread that watches each case from outside the main thread: see watchdogThread.ts. */
export class Watchdog {
  private readonly worker: Worker;
  private readonly waiting = new Map<number, (reply: WatchdogReply) => void>();

  constructor(hardLimitMs: number) {
    this.worker = new Worker(path.join(__dirname, 'watchdogThread.js'), { workerData: { hardLimitMs } });
    this.worker.on('message', (reply: WatchdogReply) => {
      this.waiting.get(reply.serial)?.(reply);
      this.waiting.delete(reply.serial);
    });
  }

  /** Starts watching a case; `label` is printed if it has to stop the process. */
  begin(serial: number, fifos: string[], label: string): void {
    this.worker.postMessage({ type: 'begin', serial, fifos, label } satisfies WatchdogMessage);
  }

  /** Stops watching the case and reports which of its FIFOs were read. */
  end(serial: number): Promise<WatchdogReply> {
    return new Promise((resolve) => {
      this.waiting.set(serial, resolve);
      this.worker.postMessage({ type: 'end', serial } satisfies WatchdogMessage);
    });
  }

  /** Ends the thread; the fuzzer calls it when done, since the thread keeps the process alive. */
  async close(): Promise<void> {
    await this.worker.terminate();
  }
}
