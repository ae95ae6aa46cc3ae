import path from 'node:path';
import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads';
import { InputError } from '../errors';
import type { ParquetBarColumns, ParquetReply } from './parquetColumns';
import type { ParquetRequest } from './parquetThread';

/** A Parquet file of bars that takes longer than this to read is taken as a reader that died. */
const READ_LIMIT_MS = 10 * 60_000;

/**
 * The bar columns of a Parquet file. The reader (hyparquet) is asynchronous while every caller of the data loader
 * is synchronous (configuration checks, backtest threads), so a short-lived thread reads the file and this one
 * waits for its answer.
 * @throws InputError naming the file: not Parquet, no time column, a missing or non-numeric price column.
 */
export function readParquetBarColumns(file: string): ParquetBarColumns {
  const signal = new Int32Array(new SharedArrayBuffer(4));
  const { port1, port2 } = new MessageChannel();
  const request: ParquetRequest = { file, port: port2, signal };
  const thread = new Worker(path.join(__dirname, 'parquetThread.js'), { workerData: request, transferList: [port2] });
  try {
    if (Atomics.wait(signal, 0, 0, READ_LIMIT_MS) === 'timed-out') {
      throw new InputError(`${file}: reading the Parquet file took more than ${READ_LIMIT_MS / 60_000} minutes; split it, or convert it to CSV.`);
    }
    const reply = receiveMessageOnPort(port1)?.message as ParquetReply | undefined;
    if (!reply) throw new InputError(`${file}: the Parquet reader stopped without an answer.`);
    if ('problem' in reply) throw new InputError(`${file}: ${reply.problem}.`);
    return reply.columns;
  } finally {
    port1.close();
    void thread.terminate();
  }
}
