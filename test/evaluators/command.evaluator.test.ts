import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createCommandEvaluator, EvaluatorOutputError, type CommandEvaluatorOptions } from '../../evaluators/command';
import type { TrialInput } from '../../evaluators/index';
import { formatCsv, generateBars } from '../../backtest';
import { PROJECT_ROOT } from '../../services/paths';
import { InputError } from '../../errors';

const EXAMPLE_DIR = path.join(PROJECT_ROOT, 'examples', 'python-evaluator');
const never = new AbortController().signal;

describe('external-command evaluator', () => {
  let dir: string;
  let dataPath: string;
  let logDir: string;

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tuneflow-command-'));
    dataPath = path.join(dir, 'bars.csv');
    logDir = path.join(dir, 'logs');
    const bars = generateBars({ seed: 3, bars: 800, interval: '1d', weekends: false, start: '2015-01-02', mu: 0.1, sigma: 0.2, startPrice: 80 });
    fs.writeFileSync(dataPath, formatCsv(bars));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const input = (trialId: number, params: TrialInput['params'] = { fast: 10, slow: 30 }): TrialInput => ({
    sessionId: 'command-test',
    trialId,
    params,
    evaluator: { kind: 'backtest', dataPath, strategy: 'sma_crossover', cash: 10_000, commission: 0.002 },
    objective: { metric: 'sharpe', direction: 'maximize' },
  });
  const evaluator = (command: string[], extra: Partial<CommandEvaluatorOptions> = {}) =>
    createCommandEvaluator({ command, timeoutMs: 30_000, env: {}, cwd: dir, logDir, maxLogBytes: 64 * 1024, ...extra });
  const python = (code: string, extra?: Partial<CommandEvaluatorOptions>) => evaluator(['python3', '-c', code], extra);
  const readLog = (trialId: number) => fs.readFileSync(path.join(logDir, `${trialId}.log`), 'utf8');

  it('runs the example Python backtester and returns its metrics', async () => {
    const evaluate = evaluator(['python3', 'sma_bt.py'], { cwd: EXAMPLE_DIR });
    const metrics = await evaluate(input(1), never);
    assert.deepEqual(Object.keys(metrics).sort(), ['max_drawdown_pct', 'return_pct', 'sharpe', 'trades']);
    assert.equal(typeof metrics.sharpe, 'number');
    assert.ok((metrics.max_drawdown_pct as number) < 0 && (metrics.trades as number) > 0);
    assert.match(readLog(1), /trial 1: 800 bars, fast=10 slow=30/);
  });

  it('sends the trial as JSON on stdin, passes env, and keeps all but the last JSON line of stdout in the log', async () => {
    const code = [
      'import json, os, sys',
      'request = json.load(sys.stdin)',
      'print("argv", sys.argv[1:], "greeting", os.environ["GREETING"])',
      'print(json.dumps({"sharpe": 0}))',
      'print(json.dumps({"request": request}), file=sys.stderr)',
      'print(json.dumps({"sharpe": 1.5, "undefined": float("nan"), "trades": 4}))',
    ].join('\n');
    const metrics = await python(code, { env: { GREETING: 'hi' } })(input(2, { fast: 5, slow: 50 }), never);
    assert.deepEqual(metrics, { sharpe: 1.5, undefined: null, trades: 4 });
    const log = readLog(2);
    assert.match(log, /^# tuneflow trial 2 attempt 1 of session command-test: \["python3","-c",.*\n# exit code 0 after /);
    const body = log.split('\n').slice(2).join('\n');
    assert.match(body, /argv \[\] greeting hi/);
    assert.match(body, /\{"sharpe": 0\}/);
    assert.doesNotMatch(body, /1\.5/);
    const request = JSON.parse(/\{"request": (.*)\}\n/.exec(body)![1]);
    assert.deepEqual(request, {
      session_id: 'command-test',
      trial_id: 2,
      attempt: 1,
      params: { fast: 5, slow: 50 },
      data: { path: dataPath },
      objective: { metric: 'sharpe', direction: 'maximize' },
    });
  });

  it('fails retryably on a non-zero exit, with the last 20 lines of stderr', async () => {
    const err = await python('import sys\nfor i in range(50): print(f"line {i}", file=sys.stderr)\nsys.exit(3)')(input(3), never).catch((e: unknown) => e);
    assert.ok(err instanceof Error && !(err instanceof InputError));
    assert.match(err.message, /^\["python3","-c",.*\] exited with code 3; last lines of stderr:\nline 30\n/s);
    assert.match(err.message, /line 49$/);
    assert.doesNotMatch(err.message, /line 29/);
  });

  it('fails without retry when stdout has no JSON object or lacks the objective', async () => {
    const none = await python('print("sharpe: 1.2")')(input(4), never).catch((e: unknown) => e);
    assert.ok(none instanceof EvaluatorOutputError && none instanceof InputError);
    assert.equal(none.message, 'expected one JSON object of metrics on stdout with a numeric "sharpe", got: sharpe: 1.2');

    const silent = await python('pass')(input(9), never).catch((e: unknown) => e);
    assert.ok(silent instanceof EvaluatorOutputError);
    assert.match(silent.message, /got: nothing on stdout$/);

    const missing = await python('print(\'{"return_pct": 3}\')')(input(5), never).catch((e: unknown) => e);
    assert.ok(missing instanceof EvaluatorOutputError);
    assert.match(missing.message, /with a numeric "sharpe", got: \{"return_pct": 3\}$/);

    const text = await python('print(\'{"sharpe": "high"}\')')(input(6), never).catch((e: unknown) => e);
    assert.ok(text instanceof EvaluatorOutputError);
    assert.match(text.message, /"sharpe" is "high"/);
  });

  it('fails retryably when the program cannot start', async () => {
    const err = await evaluator(['./no-such-program'])(input(7), never).catch((e: unknown) => e);
    assert.ok(err instanceof Error && !(err instanceof InputError));
    assert.match(err.message, /cannot start \["\.\/no-such-program"\] in .*ENOENT/);
  });

  it('caps the log, keeping its head and tail with a note, and leaves no temporary files', async () => {
    const code = 'import sys\nfor i in range(5000): print(f"stderr line {i:05d}", file=sys.stderr)\nprint(\'{"sharpe": 1}\')';
    await python(code, { maxLogBytes: 4096 })(input(8), never);
    const log = readLog(8);
    assert.ok(Buffer.byteLength(log) < 4096 + 600, `${Buffer.byteLength(log)} bytes`);
    assert.match(log, /stderr line 00000\n/);
    assert.match(log, /stderr line 04999\n$/);
    assert.match(log, /\[tuneflow: log truncated, \d+ bytes dropped here to keep it within maxLogBytes = 4096\]/);
    assert.deepEqual(fs.readdirSync(logDir).filter((f) => f.endsWith('.tmp')), []);
  });
});
