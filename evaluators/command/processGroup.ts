import { spawn } from 'node:child_process';

export interface GroupRun {
  argv: readonly string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  stdin: string;
  timeoutMs: number;
  signal: AbortSignal;
  onStdout(text: string): void;
  onStderr(text: string): void;
}

export interface GroupExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  aborted: boolean;
  durationMs: number;
}

/** Time between SIGTERM and SIGKILL, for a process that cleans up on SIGTERM. */
const KILL_GRACE_MS = 2000;
/** setTimeout fires at once for delays past 2^31 - 1 ms, so longer timeouts mean none. */
const MAX_TIMER_MS = 2 ** 31 - 1;

// Groups survive the worker unless killed: they are detached from its own group, so a terminal's Ctrl-C or a
// supervisor's signal to the worker's group never reaches them. An orderly exit takes them down too.
const liveGroups = new Set<number>();
let exitHookInstalled = false;

function killGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw err;
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const pgid of liveGroups) killGroup(pgid, 'SIGKILL');
  });
}

/**
 * Runs `argv` without a shell as the leader of a new process group, writes `stdin` to it and streams its
 * output. On timeout or abort the whole group gets SIGTERM, then SIGKILL after a grace period; when the
 * leader exits, whatever it left running in the group is ended the same way, so no descendant outlives the
 * run (one that starts its own session with setsid escapes, as it would from any supervisor).
 * Resolves once the leader has exited and every holder of its stdout and stderr has closed them.
 * @throws Error when the program cannot be started (not found, not executable, no such cwd).
 */
export function runInGroup(run: GroupRun): Promise<GroupExit> {
  installExitHook();
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(run.argv[0], run.argv.slice(1), {
      cwd: run.cwd,
      env: run.env,
      shell: false,
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let timedOut = false;
    let aborted = false;
    let terminating = false;
    let killTimer: NodeJS.Timeout | undefined;
    const pgid = child.pid;

    const terminate = () => {
      if (terminating || pgid === undefined) return;
      terminating = true;
      if (killGroup(pgid, 'SIGTERM')) killTimer = setTimeout(() => killGroup(pgid, 'SIGKILL'), KILL_GRACE_MS);
    };
    const timer = run.timeoutMs > 0 && run.timeoutMs <= MAX_TIMER_MS
      ? setTimeout(() => { timedOut = true; terminate(); }, run.timeoutMs)
      : undefined;
    const onAbort = () => { aborted = true; terminate(); };
    const cleanUp = () => {
      clearTimeout(timer);
      run.signal.removeEventListener('abort', onAbort);
      // The SIGKILL stays armed for members that ignored SIGTERM without holding our pipes, but it need not
      // keep the worker alive.
      killTimer?.unref();
      if (pgid !== undefined) liveGroups.delete(pgid);
    };

    child.once('error', (err) => {
      cleanUp();
      reject(new Error(`cannot start ${JSON.stringify(run.argv)} in ${run.cwd}: ${err.message}`));
    });
    if (pgid === undefined) return;
    liveGroups.add(pgid);
    if (run.signal.aborted) onAbort();
    else run.signal.addEventListener('abort', onAbort, { once: true });

    child.stdout.setEncoding('utf8').on('data', run.onStdout);
    child.stderr.setEncoding('utf8').on('data', run.onStderr);
    // A program that exits without reading its input closes the pipe: EPIPE here is not the trial's failure.
    child.stdin.on('error', () => undefined);
    child.stdin.end(run.stdin);

    child.once('exit', terminate);
    child.once('close', (code, signal) => {
      cleanUp();
      resolve({ code, signal, timedOut, aborted, durationMs: performance.now() - started });
    });
  });
}
