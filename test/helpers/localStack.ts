import { spawn, type ChildProcess } from 'node:child_process';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TUNEFLOW_BIN as BIN } from './cli';

/** Variables that would point a spawned tuneflow at services other than the ones a test means. */
const SERVICE_VARIABLES = ['TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE', 'TEMPORAL_API_KEY', 'TEMPORAL_TLS_CERT', 'TEMPORAL_TLS_KEY', 'TEMPORAL_UI_URL', 'REDIS_URL', 'TUNEFLOW_TASK_QUEUE'];

/** A `tuneflow` process a test started, with its output so far. */
export interface TuneflowProcess {
  child: ChildProcess;
  readonly stdout: string;
  readonly stderr: string;
  /** Resolves once the process has exited; rejects when it still runs after `timeoutMs`. */
  ended(timeoutMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves with the first match of `pattern` in stdout + stderr; rejects when the process exits first or after `timeoutMs`. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
}

/** Lists every `/proc` entry once: pid, command line (NUL-separated) and working folder, where readable. */
function processes(): Array<{ pid: number; cmdline: string; cwd: string | null }> {
  const found = [];
  for (const name of fs.readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    let cmdline: string;
    let cwd: string | null = null;
    try {
      cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    try {
      cwd = fs.readlinkSync(`/proc/${pid}/cwd`);
    } catch {
      // gone, or a zombie
    }
    found.push({ pid, cmdline, cwd });
  }
  return found;
}

/**
 * A throw-away tuneflow home with its own local stack. Every tuneflow it spawns uses only this home, so
 * the suite's own servers and any other checkout's stay out of reach.
 */
export class LocalStackHome {
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tuneflow-home-'));
  private readonly spawned: ChildProcess[] = [];

  get redisFolder(): string {
    return path.join(this.dir, 'redis', 'dev');
  }

  get temporalDb(): string {
    return path.join(this.dir, 'temporal', 'dev.db');
  }

  /** redis-server processes on this home's stack folder (Redis renames its command line but works in its --dir). */
  redisServers(): number[] {
    return processes()
      .filter((p) => p.cwd === this.redisFolder && p.cmdline.includes('redis-server'))
      .map((p) => p.pid);
  }

  /** Temporal dev servers on this home's database. */
  temporalServers(): number[] {
    return processes()
      .filter((p) => p.cmdline.split('\0').includes(this.temporalDb))
      .map((p) => p.pid);
  }

  /** Servers started on this home's data: anything with the home on its command line or as its working folder. */
  leftovers(): number[] {
    return processes()
      .filter((p) => p.pid !== process.pid && (p.cmdline.includes(this.dir) || (p.cwd !== null && p.cwd.startsWith(this.dir))))
      .map((p) => p.pid);
  }

  run(args: string[], env: NodeJS.ProcessEnv = {}): TuneflowProcess {
    const base = { ...process.env };
    for (const name of SERVICE_VARIABLES) delete base[name];
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...base, TUNEFLOW_HOME: this.dir, ...env } });
    this.spawned.push(child);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    const waitFor = async (pattern: RegExp, timeoutMs = 60_000): Promise<RegExpMatchArray> => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const match = (stdout + stderr).match(pattern);
        if (match) return match;
        if (child.exitCode !== null || child.signalCode !== null) throw new Error(`tuneflow ${args.join(' ')} exited before printing ${pattern}:\n${stdout}${stderr}`);
        if (Date.now() > deadline) throw new Error(`tuneflow ${args.join(' ')} did not print ${pattern} within ${timeoutMs} ms:\n${stdout}${stderr}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    const ended = (timeoutMs = 30_000) =>
      new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`tuneflow ${args.join(' ')} still runs after ${timeoutMs} ms:\n${stdout}${stderr}`)), timeoutMs);
        void exited.then((end) => {
          clearTimeout(timer);
          resolve(end);
        });
      });
    return {
      child,
      get stdout() {
        return stdout;
      },
      get stderr() {
        return stderr;
      },
      ended,
      waitFor,
    };
  }

  /**
   * Ends what a test left running (its tuneflow processes, then any server on this home's data), removes the
   * home, and returns the servers that were still there after `graceMs`: a test asserts there were none.
   */
  async dispose(graceMs = 15_000): Promise<number[]> {
    for (const child of this.spawned) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    const deadline = Date.now() + graceMs;
    let left = this.leftovers();
    while (left.length > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      left = this.leftovers();
    }
    for (const pid of left) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // exited meanwhile
      }
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
    return left;
  }
}

/** Runs `fn` with a fresh tuneflow home, then checks that nothing it started on that home is left running. */
export async function withHome(fn: (home: LocalStackHome) => Promise<void>): Promise<void> {
  const home = new LocalStackHome();
  let failed = false;
  try {
    await fn(home);
  } catch (err) {
    failed = true;
    throw err;
  } finally {
    const left = await home.dispose();
    if (!failed) assert.deepEqual(left, [], 'no server started on the test home is left running');
  }
}
