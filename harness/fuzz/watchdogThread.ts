import fs from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import type { WatchdogMessage, WatchdogReply } from './watchdog';

/**
 * The watchdog's thread. A command that reads a FIFO blocks the main thread inside a synchronous open()
 * until some process opens the other end, so no timer there can fire. From here, opening each of the
 * case's FIFOs for writing without blocking succeeds exactly when a reader is waiting on it: that read
 * would have hung. Closing it again gives the reader end-of-file, and the main thread carries on.
 */
const { hardLimitMs } = workerData as { hardLimitMs: number };
const port = parentPort!;
let current: { serial: number; fifos: string[]; label: string; started: number; reads: Set<string> } | null = null;

function poll(): void {
  if (!current) return;
  for (const fifo of current.fifos) {
    try {
      fs.closeSync(fs.openSync(fifo, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK));
      current.reads.add(fifo);
    } catch {
      // ENXIO: nobody is reading it.
    }
  }
  if (Date.now() - current.started > hardLimitMs) {
    // The main thread is stuck in something no FIFO explains; a report and a dead process beat a silent hang.
    fs.writeSync(2, `\nfuzz: a case blocked the process for over ${hardLimitMs / 1000} s; stopping.\n${current.label}\n`);
    process.kill(process.pid, 'SIGKILL');
  }
}

setInterval(poll, 50);

port.on('message', (message: WatchdogMessage) => {
  if (message.type === 'begin') {
    current = { serial: message.serial, fifos: message.fifos, label: message.label, started: Date.now(), reads: new Set() };
    return;
  }
  const reads = current?.serial === message.serial ? [...current.reads] : [];
  current = null;
  port.postMessage({ serial: message.serial, fifoReads: reads } satisfies WatchdogReply);
});
