import { workerData, type MessagePort } from 'node:worker_threads';
import { readParquetColumns, type ParquetBarColumns, type ParquetReply } from './parquetColumns';

/** What {@link readParquetBarColumns} hands this thread: the file, where to answer, and the flag it waits on. */
export interface ParquetRequest {
  file: string;
  port: MessagePort;
  signal: Int32Array;
}

const { file, port, signal } = workerData as ParquetRequest;

function answer(reply: ParquetReply): void {
  const transfer = 'columns' in reply ? columnBuffers(reply) : [];
  port.postMessage(reply, transfer);
  Atomics.store(signal, 0, 1);
  Atomics.notify(signal, 0);
}

function columnBuffers({ columns }: { columns: ParquetBarColumns }): ArrayBuffer[] {
  const numbers = [columns.open, columns.high, columns.low, columns.close, columns.volume].filter((c) => c !== null);
  const buffers = numbers.map((c) => c.values.buffer as ArrayBuffer);
  if (columns.time.kind !== 'text') buffers.push(columns.time.values.buffer as ArrayBuffer);
  return buffers;
}

readParquetColumns(file).then(answer, (err: unknown) => answer({ problem: `cannot be read as Parquet (${err instanceof Error ? err.message : String(err)})` }));
