import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

/** Finds an executable on PATH without a shell. */
export function whichSync(name: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // not here; keep looking
    }
  }
  return null;
}

/** Runs a command (argv, no shell) and returns its exit status and output. */
export function run(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}) {
  const result = spawnSync(cmd, args, {
    encoding: 'utf8',
    env: opts.env ?? process.env,
    timeout: opts.timeoutMs ?? 600_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  return {
    ok: result.status === 0,
    status: result.status,
    stdout: result.stdout ?? '',
    stderr: (result.stderr ?? '') + (result.error ? String(result.error.message) : ''),
  };
}

/** A TCP port nobody listens on right now, preferring `preferred` when it is free. */
export async function freePort(preferred?: number): Promise<number> {
  if (preferred !== undefined && (await isPortFree(preferred))) return preferred;
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** Resolves once something accepts TCP connections on the port of `host`, or rejects after `timeoutMs`. */
export async function waitForPort(port: number, timeoutMs: number, child?: ChildProcess, host = '127.0.0.1'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) throw new Error(`process exited with code ${child.exitCode}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, host);
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`nothing listened on port ${port} within ${timeoutMs} ms`);
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * A token that tells a running process from a later one reusing its pid: its start time on Linux, '' where
 * there is no /proc. Null when the process is gone, including a zombie nobody has reaped yet (a service whose
 * parent exited belongs to init, which in a container may never reap it).
 */
export function processStamp(pid: number): string | null {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return fs.existsSync('/proc/self/stat') ? null : isAlive(pid) ? '' : null;
  }
  // The command name in parentheses may hold spaces; the fields after it are plain: state first, start time 20th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return fields[0] === 'Z' || fields[0] === 'X' ? null : (fields[19] ?? '');
}

/** True while the process `pid` that had `stamp` runs. */
export function isSameProcess(pid: number, stamp: string): boolean {
  return pid > 0 && processStamp(pid) === stamp;
}

async function exits(pid: number, stamp: string, withinMs: number): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  while (Date.now() < deadline) {
    if (!isSameProcess(pid, stamp)) return true;
    await sleep(50);
  }
  return !isSameProcess(pid, stamp);
}

/** Sends a signal to the process `pid` only while it is still the one that had `stamp`. */
export function signalProcess(pid: number, stamp: string, signal: NodeJS.Signals): void {
  if (!isSameProcess(pid, stamp)) return;
  try {
    process.kill(pid, signal);
  } catch {
    // It exited in between.
  }
}

/** Stops a process that need not be a child of this one: SIGTERM, then SIGKILL after `graceMs`. */
export async function stopPid(pid: number, stamp: string, graceMs: number): Promise<void> {
  if (!isSameProcess(pid, stamp)) return;
  signalProcess(pid, stamp, 'SIGTERM');
  if (await exits(pid, stamp, graceMs)) return;
  signalProcess(pid, stamp, 'SIGKILL');
  if (!(await exits(pid, stamp, 5000))) throw new Error(`process ${pid} did not exit after SIGKILL`);
}

/**
 * Starts a long-lived service whose output goes to a log file. It gets its own process group, so a Ctrl-C
 * in the terminal reaches tuneflow first, which drains its worker before it stops the services.
 */
export function startService(cmd: string, args: string[], logFile: string): ChildProcess {
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  const out = fs.openSync(logFile, 'a');
  const child = spawn(cmd, args, { stdio: ['ignore', out, out], detached: true });
  fs.closeSync(out);
  return child;
}

/** Sends `signal` to a child (0: none) and resolves once it has exited (at once when it already has). */
export function signalAndWait(child: ChildProcess, signal: NodeJS.Signals | 0): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  if (signal !== 0) child.kill(signal);
  return exited;
}

/** Stops a child politely, then forcefully after `graceMs`. */
export async function stopProcess(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
