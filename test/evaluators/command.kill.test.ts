import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createCommandEvaluator } from '../../evaluators/command';
import type { TrialInput } from '../../evaluators/index';
import { InputError } from '../../errors';

/** A zombie has exited and only waits for its parent to reap it; a container's PID 1 may never do so. */
function alive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

async function gone(pid: number, withinMs: number): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  while (alive(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
}

// The hung command of the issue, telling the pid of its grandchild on stderr.
const HUNG = 'import sys, time, subprocess\np = subprocess.Popen(["sleep", "300"])\nprint("pids", p.pid, flush=True, file=sys.stderr)\ntime.sleep(300)';
// Its grandchild ignores SIGTERM; the pids line comes once it does, and so can only be missing if it came too late.
const STUBBORN_GRANDCHILD =
  'import sys, time, subprocess\n' +
  'ignore = "import signal, sys, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print(flush=True); time.sleep(300)"\n' +
  'p = subprocess.Popen([sys.executable, "-c", ignore], stdout=subprocess.PIPE)\n' +
  'p.stdout.readline()\n' +
  'print("pids", p.pid, flush=True, file=sys.stderr)\ntime.sleep(300)';

describe('external-command evaluator: timeouts and cancellation kill the process group', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tuneflow-kill-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const input: TrialInput = {
    sessionId: 'kill-test',
    trialId: 1,
    params: {},
    evaluator: { kind: 'backtest', dataPath: '/dev/null', strategy: 'none', cash: 1, commission: 0 },
    objective: { metric: 'sharpe', direction: 'maximize' },
  };
  const run = (code: string, timeoutMs: number, signal = new AbortController().signal) =>
    createCommandEvaluator({ command: ['python3', '-c', code], timeoutMs, env: {}, cwd: dir, logDir: dir, maxLogBytes: 65536 })(input, signal)
      .then(() => assert.fail('expected a rejection'), (e: unknown) => e as Error);
  const grandchild = (text: string) => Number(/pids (\d+)/.exec(text)?.[1]);

  it('kills a hung command and its grandchild at the timeout, retryably', async () => {
    const started = performance.now();
    const err = await run(HUNG, 1000);
    const took = performance.now() - started;
    assert.ok(!(err instanceof InputError));
    assert.match(err.message, /timed out after 1\.00 s and was killed with its process group; last lines of stderr:\npids \d+/);
    assert.ok(took >= 1000 && took < 2500, `settled after ${took.toFixed(0)} ms`);
    const pid = grandchild(err.message);
    assert.ok(await gone(pid, 1000), `grandchild ${pid} outlived the trial`);
    assert.match(fs.readFileSync(path.join(dir, '1.log'), 'utf8'), /# timed out after/);
  });

  it('SIGKILLs group members that ignore SIGTERM after the grace period', async () => {
    const started = performance.now();
    const err = await run(STUBBORN_GRANDCHILD, 1500);
    const pid = grandchild(err.message);
    assert.ok(pid > 0, err.message);
    assert.ok(await gone(pid, 1000), `grandchild ${pid} outlived the trial`);
    const took = performance.now() - started;
    assert.ok(took >= 3500 && took < 5000, `gone after ${took.toFixed(0)} ms`);
  });

  it('kills the group when the trial is cancelled and rejects with the reason', async () => {
    const controller = new AbortController();
    const reason = new Error('cancelled by the session');
    const pending = run(HUNG, 60_000, controller.signal);
    setTimeout(() => controller.abort(reason), 1000);
    const err = await pending;
    assert.equal(err, reason);
    const text = fs.readFileSync(path.join(dir, '1.log'), 'utf8');
    assert.match(text, /# cancelled after/);
    const pid = grandchild(text);
    assert.ok(pid > 0, text);
    assert.ok(await gone(pid, 1000), `grandchild ${pid} outlived the trial`);
  });

  it('ends what the command left running when it exits', async () => {
    const code = 'import sys, subprocess\np = subprocess.Popen(["sleep", "300"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\nprint("pids", p.pid, file=sys.stderr)\nprint(\'{"sharpe": 1}\')';
    const metrics = await createCommandEvaluator({ command: ['python3', '-c', code], timeoutMs: 10_000, env: {}, cwd: dir, logDir: dir, maxLogBytes: 65536 })(input, new AbortController().signal);
    assert.deepEqual(metrics, { sharpe: 1 });
    const pid = grandchild(fs.readFileSync(path.join(dir, '1.log'), 'utf8'));
    assert.ok(pid > 0);
    assert.ok(await gone(pid, 1000), `grandchild ${pid} outlived the trial`);
  });
});
