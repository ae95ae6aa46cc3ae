import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { createBacktestEvaluator, type TrialEvaluator } from '../../evaluators/index';
import { makeCampaign, SMA_GRID } from '../helpers/campaign';
import { tuneflow, TUNEFLOW_BIN } from '../helpers/cli';
import { SKIP_REASON, testServices, uniqueId, withWorker } from '../helpers/stack';
import { until } from '../helpers/until';

const services = testServices();
const tmuxMissing = spawnSync('tmux', ['-V']).status !== 0;

/**
 * An evaluator that lets trials finish only as the test releases them, so what the view shows at each
 * moment is known without waiting on the clock.
 */
function gatedEvaluator(): { evaluate: TrialEvaluator; release(trials: number): void } {
  const real = createBacktestEvaluator();
  let released = 0;
  let tickets = 0;
  const waiting = new Set<() => void>();
  const evaluate: TrialEvaluator = async (input, signal) => {
    const ticket = tickets++;
    await new Promise<void>((resolve, reject) => {
      const check = () => {
        if (ticket >= released) return;
        waiting.delete(check);
        resolve();
      };
      waiting.add(check);
      check();
      signal.addEventListener('abort', () => (waiting.delete(check), reject(new Error('cancelled'))), { once: true });
    });
    return real(input, signal);
  };
  return {
    evaluate,
    release: (trials) => {
      released += trials;
      for (const check of [...waiting]) check();
    },
  };
}

/** Processes whose command line mentions `text`. */
function processesMentioning(text: string): number[] {
  return fs
    .readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      try {
        return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(text);
      } catch {
        return false;
      }
    })
    .map(Number);
}

/**
 * A private tmux server (no user configuration) on a socket in a folder of its own; `close` kills it and
 * removes the folder.
 */
function tmuxServer() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tuneflow-tmux-'));
  const socket = path.join(dir, 'socket');
  const tmux = (...args: string[]): string => {
    const result = spawnSync('tmux', ['-f', '/dev/null', '-S', socket, ...args], { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`tmux ${args[0]}: ${result.stderr}`);
    return result.stdout;
  };
  // A first window keeps the server up between the tests' windows.
  tmux('new-session', '-d', '-s', 'test', '-n', 'idle', '-x', '120', '-y', '40', 'sleep', '3600');
  const pane = (window: string, format: string) => tmux('display-message', '-p', '-t', `test:${window}`, format).trim();
  return {
    /**
     * Runs `argv` in a new window of the 120×40 terminal, below a line of earlier output as a user's
     * terminal has. The shell around it says the exit code and keeps the pane open; it lets Ctrl-C end the
     * command alone, as an interactive shell does.
     */
    open(window: string, argv: string[], env: Record<string, string>): void {
      const flags = Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
      const shell = `trap : INT; echo "${EARLIER_OUTPUT}"; "$@"; echo "${EXITED} $?"; exec sleep 3600`;
      tmux('new-window', '-d', '-t', 'test', '-n', window, ...flags, 'sh', '-c', shell, 'sh', ...argv);
    },
    /** The visible screen of the window, as lines. */
    screen: (window: string): string[] => tmux('capture-pane', '-p', '-t', `test:${window}`).split('\n'),
    /** The exit code of the window's command, or null while it runs. */
    exitCode(window: string): number | null {
      const line = this.screen(window).find((l) => l.includes(EXITED));
      return line === undefined ? null : Number(line.slice(line.indexOf(EXITED) + EXITED.length));
    },
    cursorVisible: (window: string): boolean => pane(window, '#{cursor_flag}') === '1',
    resize: (window: string, columns: number, rows: number) => tmux('resize-window', '-t', `test:${window}`, '-x', String(columns), '-y', String(rows)),
    keys: (window: string, ...keys: string[]) => tmux('send-keys', '-t', `test:${window}`, ...keys),
    /**
     * Kills the server and every process in its panes, removes its folder, and returns the processes still
     * mentioning its socket or `text` (a session id the panes' commands name).
     */
    close: async (text: string): Promise<number[]> => {
      spawnSync('tmux', ['-S', socket, 'kill-server']);
      fs.rmSync(dir, { recursive: true, force: true });
      const left = () => [...processesMentioning(socket), ...processesMentioning(text)];
      await until("the terminal's processes are gone", async () => left().length === 0, 10_000, 100).catch(() => undefined);
      return left();
    },
  };
}

const EARLIER_OUTPUT = 'a line printed before watch started';
const EXITED = 'the command exited with';
const PROGRESS_LINE = /^\[[█░]+\] (\d+)\/24 trials {2}\d+%/;

/** The done count of the one progress line on the screen; fails when there is none or more than one. */
function onlyProgress(screen: string[]): number {
  const lines = screen.filter((l) => PROGRESS_LINE.test(l));
  assert.equal(lines.length, 1, `one progress line, redrawn in place:\n${screen.join('\n')}`);
  return Number(PROGRESS_LINE.exec(lines[0])![1]);
}

describe('tuneflow watch, and the live view of run', { skip: services ? false : SKIP_REASON }, () => {
  const { address, redisUrl } = services ?? { address: '', redisUrl: '' };
  const env = (taskQueue: string) => ({ TEMPORAL_ADDRESS: address, REDIS_URL: redisUrl, TUNEFLOW_TASK_QUEUE: taskQueue });

  test('draws a live view in a real terminal that redraws in place, stops on Ctrl-C, and ends with the session', { skip: tmuxMissing && 'tmux is not installed (apt-get install tmux)' }, async () => {
    const campaign = makeCampaign(`${SMA_GRID}search: { algorithm: grid, parallelism: 2 }\ntrial: { batch: 1 }\n`);
    const taskQueue = uniqueId('tq');
    const sessionId = uniqueId('watched');
    const gate = gatedEvaluator();
    const workerRow = (done: number) => new RegExp(`^${sessionId}-worker +(alive|gone) +\\d+ +${done} +0 +100%$`);
    const terminal = tmuxServer();
    try {
      await withWorker({ address, redisUrl, taskQueue, evaluate: gate.evaluate, workerId: `${sessionId}-worker` }, async () => {
        const started = await tuneflow(['run', campaign.config, '--session-id', sessionId, '--detach'], env(taskQueue));
        assert.equal(started.code, 0, started.stderr);
        const watch = [process.execPath, TUNEFLOW_BIN, 'watch', sessionId];

        gate.release(8);
        terminal.open('first', watch, env(taskQueue));
        // The fleet is read every other second, so it may show the eighth trial a moment after the bar.
        await until('the view shows 8 trials done', async () => {
          const lines = terminal.screen('first');
          return lines.some((l) => / 8\/24 trials/.test(l)) && lines.some((l) => workerRow(8).test(l));
        }, 30_000, 100);
        let screen = terminal.screen('first');
        assert.equal(onlyProgress(screen), 8);
        assert.deepEqual(screen.slice(0, 2), [EARLIER_OUTPUT, `Session ${sessionId} · RUNNING`], 'the view starts below what was there');
        assert.ok(screen.includes('Top 5 by sharpe'), screen.join('\n'));
        assert.equal(screen.filter((l) => /^[1-5] +#\d+ +\d+ +\d+ +-?\d/.test(l)).length, 5, `five ranked rows:\n${screen.join('\n')}`);
        assert.ok(screen.some((l) => /^worker +state +running +done +failed +busy$/.test(l)), `the fleet table:\n${screen.join('\n')}`);
        assert.equal(terminal.cursorVisible('first'), false, 'the cursor is hidden while the view is drawn');

        gate.release(8);
        await until('the view shows 16 trials done', async () => terminal.screen('first').some((l) => / 16\/24 trials/.test(l)), 30_000, 100);
        screen = terminal.screen('first');
        assert.equal(onlyProgress(screen), 16, 'the same line now says 16');
        assert.equal(screen.filter((l) => l.startsWith('Top 5 by')).length, 1, 'the view was redrawn, not appended');

        terminal.resize('first', 60, 40);
        // Until then the terminal shows the old 120-column frame rewrapped, its 40-cell bar included.
        await until('the view is redrawn for 60 columns', async () => terminal.screen('first').some((l) => /^\[[█░]{10,20}\] 16\/24 trials/.test(l)), 30_000, 100);
        screen = terminal.screen('first');
        assert.equal(onlyProgress(screen), 16);
        assert.equal(screen.filter((l) => l.startsWith(`Session ${sessionId}`)).length, 1, `one header after the resize:\n${screen.join('\n')}`);
        assert.ok(screen.every((l) => [...l].length <= 60), screen.join('\n'));

        terminal.keys('first', 'C-c');
        await until('watch stops on Ctrl-C', async () => terminal.exitCode('first') !== null, 30_000, 100);
        assert.equal(terminal.exitCode('first'), 130);
        screen = terminal.screen('first');
        assert.ok(screen.some((l) => l.includes(`Stopped watching; session ${sessionId} keeps running`)), screen.join('\n'));
        assert.equal(terminal.cursorVisible('first'), true, 'the cursor is back');
        const status = await tuneflow(['status', sessionId, '--json'], env(taskQueue));
        assert.equal((JSON.parse(status.stdout) as { status: string }).status, 'RUNNING', 'the session is not touched');

        terminal.open('second', watch, env(taskQueue));
        await until('a second watch shows 16 trials done', async () => terminal.screen('second').some((l) => / 16\/24 trials/.test(l)), 30_000, 100);
        gate.release(24);
        await until('watch exits when the session ends', async () => terminal.exitCode('second') !== null, 60_000, 100);
      });
      const screen = terminal.screen('second');
      assert.equal(terminal.exitCode('second'), 0, screen.join('\n'));
      assert.deepEqual(screen.slice(0, 2), [EARLIER_OUTPUT, `Session ${sessionId} · COMPLETED`]);
      assert.equal(onlyProgress(screen), 24);
      assert.ok(screen.some((l) => l.endsWith('24/24 trials  100%')), screen.join('\n'));
      assert.ok(screen.some((l) => workerRow(24).test(l)), `the fleet counts every trial:\n${screen.join('\n')}`);
      assert.ok(screen.includes(`Outputs: ${campaign.dir}/outputs/${sessionId}`), screen.join('\n'));
      assert.equal(terminal.cursorVisible('second'), true);
      assert.deepEqual(await terminal.close(sessionId), [], 'no process is left behind');
    } finally {
      await terminal.close(sessionId);
    }
  });

  test('run on a terminal shows the same live view, then the summary', { skip: tmuxMissing && 'tmux is not installed (apt-get install tmux)' }, async () => {
    const campaign = makeCampaign(`${SMA_GRID}search: { algorithm: grid, parallelism: 2 }\ntrial: { batch: 1 }\n`);
    const taskQueue = uniqueId('tq');
    const sessionId = uniqueId('run-view');
    const gate = gatedEvaluator();
    const terminal = tmuxServer();
    try {
      await withWorker({ address, redisUrl, taskQueue, evaluate: gate.evaluate }, async () => {
        gate.release(5);
        terminal.open('run', [process.execPath, TUNEFLOW_BIN, 'run', campaign.config, '--session-id', sessionId], env(taskQueue));
        await until('the view shows 5 trials done', async () => terminal.screen('run').some((l) => / 5\/24 trials/.test(l)), 30_000, 100);
        const screen = terminal.screen('run');
        assert.equal(onlyProgress(screen), 5);
        assert.ok(screen.includes(`Session ${sessionId} · RUNNING`), screen.join('\n'));
        assert.ok(screen.includes('Top 5 by sharpe'), screen.join('\n'));
        gate.release(24);
        await until('run exits', async () => terminal.exitCode('run') !== null, 60_000, 100);
      });
      const screen = terminal.screen('run');
      assert.equal(terminal.exitCode('run'), 0, screen.join('\n'));
      assert.equal(onlyProgress(screen), 24);
      const view = screen.indexOf(`Session ${sessionId} · COMPLETED`);
      const summary = screen.indexOf(`Session ${sessionId}: 24 succeeded, 0 failed (complete).`);
      assert.ok(view > 0 && summary > view, `the final view, then the summary:\n${screen.join('\n')}`);
      assert.equal(terminal.cursorVisible('run'), true);
      assert.deepEqual(await terminal.close(sessionId), [], 'no process is left behind');
    } finally {
      await terminal.close(sessionId);
    }
  });

  test('piped, prints JSON lines of progress and a last line with the ending and exit code', async () => {
    // Without the constraint, parameter sets with fast >= slow fail: the session ends with failed trials.
    const campaign = makeCampaign(`${SMA_GRID.replace('constraints: ["fast < slow"]\n', '')}search: { algorithm: grid, parallelism: 6 }\ntrial: { batch: 3 }\n`);
    const taskQueue = uniqueId('tq');
    const sessionId = uniqueId('piped');
    const gate = gatedEvaluator();
    const { code, lines } = await withWorker({ address, redisUrl, taskQueue, evaluate: gate.evaluate }, async () => {
      const started = await tuneflow(['run', campaign.config, '--session-id', sessionId, '--detach'], env(taskQueue));
      assert.equal(started.code, 0, started.stderr);
      const child = spawn(process.execPath, [TUNEFLOW_BIN, 'watch', sessionId], { env: { ...process.env, ...env(taskQueue) } });
      let stdout = '';
      child.stdout.on('data', (d) => (stdout += d));
      const exited = new Promise<number>((resolve) => child.on('exit', (c) => resolve(c ?? -1)));
      await until('a first line of progress', async () => stdout.includes('\n'), 30_000, 100);
      gate.release(1000);
      return { code: await exited, lines: stdout.trim().split('\n') };
    });
    const records = lines.map((l) => JSON.parse(l) as { type: string; status: string; done: number; budget: number; exitCode?: number; counts: { failed: number } });
    assert.equal(code, 1);
    const end = records[records.length - 1];
    assert.equal(end.type, 'end');
    assert.equal(end.status, 'COMPLETED');
    assert.equal(end.exitCode, 1);
    assert.ok(end.counts.failed > 0);
    const progress = records.slice(0, -1);
    assert.ok(progress.length >= 2, lines.join('\n'));
    assert.ok(progress.every((r) => r.type === 'progress' && r.budget === 30));
    assert.equal(progress[0].status, 'RUNNING');
    assert.equal(progress[0].done, 0, 'nothing done before the gate opened');
    assert.equal(progress[progress.length - 1].done, 30);
  });

  test('a cancelled session ends watch --json with code 2, as run would', async () => {
    const campaign = makeCampaign(`${SMA_GRID}search: { algorithm: grid, parallelism: 2 }\ntrial: { batch: 1 }\n`);
    const taskQueue = uniqueId('tq');
    const sessionId = uniqueId('cancelled');
    const gate = gatedEvaluator();
    const watched = await withWorker({ address, redisUrl, taskQueue, evaluate: gate.evaluate }, async () => {
      const started = await tuneflow(['run', campaign.config, '--session-id', sessionId, '--detach'], env(taskQueue));
      assert.equal(started.code, 0, started.stderr);
      gate.release(3);
      const watching = tuneflow(['watch', sessionId, '--json'], env(taskQueue));
      const cancelled = await tuneflow(['cancel', sessionId], env(taskQueue));
      assert.equal(cancelled.code, 0, cancelled.stderr);
      return watching;
    });
    assert.equal(watched.code, 2, watched.stderr);
    const end = JSON.parse(watched.stdout.trim().split('\n').pop()!) as { type: string; status: string; exitCode: number; error: string };
    assert.deepEqual([end.type, end.status, end.exitCode], ['end', 'CANCELLED', 2]);
    assert.match(watched.stderr, /^tuneflow: session failed: /m);
  });

  test('an unknown session or a bad id ends with code 2 and a message, before anything is drawn', async () => {
    const missing = await tuneflow(['watch', 'no-such-session-here'], env(uniqueId('tq')));
    assert.equal(missing.code, 2);
    assert.equal(missing.stdout, '');
    assert.match(missing.stderr, /^tuneflow: No session "no-such-session-here" on /);
    const bad = await tuneflow(['watch', '../x'], env(uniqueId('tq')));
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^tuneflow: session id "\.\.\/x": /);
  });
});
