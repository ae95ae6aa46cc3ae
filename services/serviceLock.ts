import fs from 'node:fs';
import path from 'node:path';
import { isSameProcess, processStamp, signalProcess, sleep, stopPid } from './processes';

type Log = (line: string) => void;

/**
 * One owner per data folder. A server tuneflow starts on a data folder (the dev server's database, a
 * Redis AOF folder) is recorded in a lock file there; every tuneflow process using it is listed as a user,
 * and the last user to leave stops it. Two servers never open the same data: a process that finds a live
 * server joins it, and one that finds the server gone takes over its stale lock and starts a new one.
 *
 * Files, in the data folder: `<name>.lock` (the record below), `<name>.users/<pid>` (one file per user,
 * holding the user's process stamp), and `<name>.mutex`, held while a process joins, starts, leaves or
 * stops, so that a server is never stopped while another process is joining it.
 */

/** Where a service listens: host:port, or a URL. */
export interface ServiceAddress {
  address: string;
}

/** What the lock file of a service holds. */
export interface ServiceLockRecord<I extends ServiceAddress> {
  servicePid: number;
  /** Tells the service from a later process that reuses its pid (see processStamp). */
  serviceStamp: string;
  /** The process that started it; the service outlives it while others use it. */
  ownerPid: number;
  startedAt: string;
  /** Set by a last user that sent SIGTERM without waiting: the data is free once the service has exited. */
  stopping?: boolean;
  info: I;
}

/** A service being started: its process, where it will listen, and a promise that settles once it answers. */
export interface StartingService<I> {
  pid: number;
  info: I;
  ready: Promise<void>;
}

export interface ServiceDefinition<I extends ServiceAddress> {
  /** The folder holding the service's data, and its lock files. */
  folder: string;
  /** Prefix of the lock files in the folder. */
  name: string;
  /** For messages, e.g. "Redis". */
  label: string;
  /** The data the service must be alone on, for messages. */
  data: string;
  stopGraceMs: number;
  /** One quick request: true when the service serves. */
  answers(info: I): Promise<boolean>;
  start(): Promise<StartingService<I>>;
}

/** A service this process uses, either started by it or joined. */
export interface SharedService<I> {
  info: I;
  pid: number;
  started: boolean;
  /** False once the service process has exited. */
  running(): boolean;
  /** Stops using the service; the last user stops it. */
  release(): Promise<void>;
  /** The same for a process about to exit at once: the service only receives SIGTERM. */
  releaseNow(): void;
}

/** How long a process waits for another one that starts or stops the service. */
const MUTEX_WAIT_MS = 180_000;
/** A mutex file still empty after this long was left by a process that died while creating it. */
const EMPTY_MUTEX_STALE_MS = 10_000;
/** How long a live service that does not answer yet is given (it may still be starting). */
const ANSWER_WAIT_MS = 60_000;

interface LockFiles {
  lock: string;
  mutex: string;
  users: string;
}

function lockFiles<I extends ServiceAddress>(def: ServiceDefinition<I>): LockFiles {
  const base = path.join(def.folder, def.name);
  return { lock: `${base}.lock`, mutex: `${base}.mutex`, users: `${base}.users` };
}

function ownStamp(): string {
  return processStamp(process.pid) ?? '';
}

function readText(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** True when this process now holds the mutex; false when a live process does. */
function tryMutex(file: string): boolean {
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      fs.writeFileSync(file, `${process.pid} ${ownStamp()}`, { flag: 'wx' });
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const held = readText(file);
    if (held === null) continue;
    if (held === '') {
      // Created but not yet written by its holder, unless that holder died in between.
      const age = Date.now() - (fs.statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? 0);
      if (age < EMPTY_MUTEX_STALE_MS) return false;
    } else {
      const [pid, stamp = ''] = held.split(' ');
      if (isSameProcess(Number(pid), stamp)) return false;
    }
    // Its holder died mid-transition. Reading again right before removing keeps a fresh holder's file.
    if (readText(file) === held) fs.rmSync(file, { force: true });
  }
  return false;
}

async function withMutex<T>(file: string, label: string, fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + MUTEX_WAIT_MS;
  while (!tryMutex(file)) {
    if (Date.now() > deadline) {
      const holder = (readText(file) ?? '').split(' ')[0];
      throw new Error(
        `Another tuneflow process (pid ${holder}) has been starting or stopping ${label} for over ${MUTEX_WAIT_MS / 60_000} minutes ` +
          `(it holds ${file}); wait for it or end it, then try again.`,
      );
    }
    await sleep(100);
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(file, { force: true });
  }
}

function addUser(dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, String(process.pid)), ownStamp());
}

function removeUser(dir: string): void {
  fs.rmSync(path.join(dir, String(process.pid)), { force: true });
}

/** The users still alive; the files of users that died without leaving are removed. */
function liveUsers(dir: string): number {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return 0;
  }
  let live = 0;
  for (const name of names) {
    const file = path.join(dir, name);
    const stamp = readText(file);
    if (stamp !== null && isSameProcess(Number(name), stamp)) live += 1;
    else fs.rmSync(file, { force: true });
  }
  return live;
}

function readLock<I extends ServiceAddress>(file: string, log: Log): ServiceLockRecord<I> | null {
  const text = readText(file);
  if (text === null) return null;
  try {
    return JSON.parse(text) as ServiceLockRecord<I>;
  } catch {
    log(`tuneflow: ${file} is not a lock record tuneflow wrote; removing it.`);
    fs.rmSync(file, { force: true });
    return null;
  }
}

/** The live, answering service recorded in the lock, or null once the lock is cleared for a new one. */
async function liveService<I extends ServiceAddress>(def: ServiceDefinition<I>, files: LockFiles, log: Log): Promise<ServiceLockRecord<I> | null> {
  const lock = readLock<I>(files.lock, log);
  if (!lock) return null;
  const { servicePid: pid, serviceStamp: stamp } = lock;
  if (lock.stopping) {
    await stopPid(pid, stamp, def.stopGraceMs);
  } else {
    // A service whose starter died before it answered may still be starting: give it time.
    const deadline = Date.now() + ANSWER_WAIT_MS;
    while (isSameProcess(pid, stamp)) {
      if (await def.answers(lock.info)) return lock;
      if (Date.now() > deadline) {
        throw new Error(
          `${def.label} (pid ${pid}) holds ${def.data} but does not answer at ${lock.info.address}; ` +
            `two servers must never share that data, so tuneflow does not start another. Stop it (kill ${pid}) and try again.`,
        );
      }
      await sleep(250);
    }
    log(`tuneflow: ${def.label} of ${def.data} (pid ${pid}) is gone; taking over its stale lock ${files.lock}.`);
  }
  fs.rmSync(files.lock, { force: true });
  return null;
}

async function startService<I extends ServiceAddress>(def: ServiceDefinition<I>, files: LockFiles): Promise<ServiceLockRecord<I>> {
  const starting = await def.start();
  const record: ServiceLockRecord<I> = {
    servicePid: starting.pid,
    serviceStamp: processStamp(starting.pid) ?? '',
    ownerPid: process.pid,
    startedAt: new Date().toISOString(),
    info: starting.info,
  };
  // Written before the service answers: should this process die now, the next one finds the service.
  fs.writeFileSync(files.lock, JSON.stringify(record, null, 2), { flag: 'wx' });
  try {
    await starting.ready;
  } catch (err) {
    await stopPid(record.servicePid, record.serviceStamp, def.stopGraceMs);
    fs.rmSync(files.lock, { force: true });
    throw err;
  }
  return record;
}

function shared<I extends ServiceAddress>(def: ServiceDefinition<I>, files: LockFiles, record: ServiceLockRecord<I>, started: boolean, log: Log): SharedService<I> {
  let released = false;
  return {
    info: record.info,
    pid: record.servicePid,
    started,
    running: () => isSameProcess(record.servicePid, record.serviceStamp),
    release: async () => {
      if (released) return;
      released = true;
      await withMutex(files.mutex, def.label, async () => {
        removeUser(files.users);
        if (liveUsers(files.users) > 0) return;
        const lock = readLock<I>(files.lock, log);
        if (!lock) return;
        // Marked first, so that if this process dies while the service stops, the next one waits for its exit.
        fs.writeFileSync(files.lock, JSON.stringify({ ...lock, stopping: true }, null, 2));
        await stopPid(lock.servicePid, lock.serviceStamp, def.stopGraceMs);
        fs.rmSync(files.lock, { force: true });
      });
    },
    releaseNow: () => {
      if (released) return;
      released = true;
      removeUser(files.users);
      // Without the mutex this process cannot decide; it leaves the service to the users still there or the next one.
      if (!tryMutex(files.mutex)) return;
      try {
        if (liveUsers(files.users) > 0) return;
        const lock = readLock<I>(files.lock, log);
        if (!lock) return;
        signalProcess(lock.servicePid, lock.serviceStamp, 'SIGTERM');
        fs.writeFileSync(files.lock, JSON.stringify({ ...lock, stopping: true }, null, 2));
      } finally {
        fs.rmSync(files.mutex, { force: true });
      }
    },
  };
}

/** What a look at a service's lock finds. */
export type ServicePeek<I> = { state: 'none' } | { state: 'running' | 'silent'; pid: number; info: I };

/**
 * The service recorded in the lock of `def.folder`: running (alive and answering), silent (alive, not answering:
 * starting, or stuck), or none (no lock, a lock whose service is gone or stopping). Changes nothing: no user is
 * added, no stale lock removed, no folder created, so a dry run can ask.
 */
export async function peekService<I extends ServiceAddress>(def: ServiceDefinition<I>): Promise<ServicePeek<I>> {
  const text = readText(lockFiles(def).lock);
  if (text === null) return { state: 'none' };
  let lock: ServiceLockRecord<I>;
  try {
    lock = JSON.parse(text) as ServiceLockRecord<I>;
  } catch {
    return { state: 'none' };
  }
  if (lock.stopping || !isSameProcess(lock.servicePid, lock.serviceStamp)) return { state: 'none' };
  return { state: (await def.answers(lock.info)) ? 'running' : 'silent', pid: lock.servicePid, info: lock.info };
}

/**
 * Joins the service running on `def.folder`, or starts it there when none runs (unless `joinOnly`, which
 * then returns null). Either way this process becomes a user until it releases the service.
 */
export async function acquireService<I extends ServiceAddress>(def: ServiceDefinition<I>, opts: { log: Log }): Promise<SharedService<I>>;
export async function acquireService<I extends ServiceAddress>(def: ServiceDefinition<I>, opts: { joinOnly?: boolean; log: Log }): Promise<SharedService<I> | null>;
export async function acquireService<I extends ServiceAddress>(
  def: ServiceDefinition<I>,
  opts: { joinOnly?: boolean; log: Log },
): Promise<SharedService<I> | null> {
  const files = lockFiles(def);
  fs.mkdirSync(def.folder, { recursive: true });
  return withMutex(files.mutex, def.label, async () => {
    addUser(files.users);
    try {
      const live = await liveService(def, files, opts.log);
      if (live) return shared(def, files, live, false, opts.log);
      if (opts.joinOnly) {
        removeUser(files.users);
        return null;
      }
      return shared(def, files, await startService(def, files), true, opts.log);
    } catch (err) {
      removeUser(files.users);
      throw err;
    }
  });
}
