import fs from 'node:fs';
import { moduleRef, type StrategyModuleRef } from '../backtest';
import { InputError } from '../errors';

/** Strategy modules are source files; anything this large is the wrong file. */
const MAX_MODULE_BYTES = 16 << 20;

/**
 * Checks that a path a user named is a regular file of at most `maxBytes`, refusing what would hang or
 * exhaust memory: folders, FIFOs and devices (a read of a FIFO waits for a writer forever), huge files.
 * `what` starts each message, e.g. "Config file".
 * @throws InputError naming the file and what it is instead.
 */
export function checkRegularFile(file: string, what: string, maxBytes: number): fs.Stats {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new InputError(`${what} ${file} does not exist.`);
    throw new InputError(`${what} ${file} cannot be read: ${(err as Error).message}`);
  }
  if (stat.isDirectory()) throw new InputError(`${what} ${file} is a folder; give the path of a file.`);
  if (!stat.isFile()) throw new InputError(`${what} ${file} is not a regular file (a FIFO, socket or device); give the path of a file.`);
  if (stat.size > maxBytes) throw new InputError(`${what} ${file} has ${stat.size} bytes; the limit is ${maxBytes}.`);
  return stat;
}

/** A small text file a user named, after {@link checkRegularFile}. */
export function readTextFile(file: string, what: string, maxBytes: number): string {
  checkRegularFile(file, what, maxBytes);
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new InputError(`${what} ${file} cannot be read: ${(err as Error).message}`);
  }
}

/** The reference to a strategy module a user named, after {@link checkRegularFile}. */
export function strategyModuleRef(file: string, what: string): StrategyModuleRef {
  checkRegularFile(file, what, MAX_MODULE_BYTES);
  return moduleRef(file);
}
