import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { commandEnvironment, createCommandEvaluator, EvaluatorEnvError } from '../../evaluators/command';
import type { TrialInput } from '../../evaluators/index';
import { InputError } from '../../errors';

const never = new AbortController().signal;

describe('environment of evaluator commands', () => {
  it('is PATH, HOME, LANG and TZ where the worker has them, then the configured variables', () => {
    const worker = { PATH: '/bin', HOME: '/home/w', TZ: 'UTC', TEMPORAL_API_KEY: 'key', REDIS_URL: 'redis://:pw@h', BT_TOKEN: 't0k3n' };
    const env = commandEnvironment({ MODE: 'fast', TOKEN: { fromEnv: 'BT_TOKEN' }, TZ: 'Europe/Zurich' }, { variables: worker });
    assert.deepEqual(env, { PATH: '/bin', HOME: '/home/w', TZ: 'Europe/Zurich', MODE: 'fast', TOKEN: 't0k3n' });
  });

  it('fails without retry, naming the variable, the worker and the fix, when a reference is not set', () => {
    const err = (() => {
      try {
        return commandEnvironment({ TOKEN: { fromEnv: 'BT_TOKEN' } }, { variables: { PATH: '/bin' }, workerId: 'w-7', taskQueue: 'research' });
      } catch (e) {
        return e;
      }
    })();
    assert.ok(err instanceof EvaluatorEnvError && err instanceof InputError);
    assert.equal(err.message,
      'evaluator.env.TOKEN takes its value from the environment variable BT_TOKEN (from_env), which worker "w-7" does not have. ' +
        'Set BT_TOKEN in the environment of every worker on task queue "research" and restart them, or change evaluator.env.TOKEN in the config.');
  });

  describe('of a command that runs', () => {
    let dir: string;
    const changed = ['TEMPORAL_API_KEY', 'TUNEFLOW_TEST_TOKEN'];
    const saved = changed.map((name) => process.env[name]);
    before(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tuneflow-env-'));
    });
    after(() => {
      changed.forEach((name, i) => {
        if (saved[i] === undefined) delete process.env[name];
        else process.env[name] = saved[i];
      });
      fs.rmSync(dir, { recursive: true, force: true });
    });
    const input: TrialInput = {
      sessionId: 'env-test', trialId: 1, params: { x: 1 },
      evaluator: { kind: 'backtest', dataPath: '/dev/null', strategy: 'sma_crossover', cash: 1, commission: 0 },
      objective: { metric: 'sharpe', direction: 'maximize' },
    };
    // Prints its environment's names as the metric keys, and TOKEN's length as the objective.
    const printEnv = 'const e = process.env; const m = { sharpe: (e.TOKEN || "").length }; for (const k of Object.keys(e)) m["env:" + k] = null; console.log(JSON.stringify(m));';
    const evaluate = () => createCommandEvaluator({
      command: [process.execPath, '-e', printEnv], timeoutMs: 30_000, cwd: dir, logDir: path.join(dir, 'logs'), maxLogBytes: 4096,
      env: { MODE: 'fast', TOKEN: { fromEnv: 'TUNEFLOW_TEST_TOKEN' } }, workerId: 'w-1',
    });

    it('sees none of the worker\'s other variables, and a reference as the worker has it at each attempt', async () => {
      process.env.TEMPORAL_API_KEY = 'must-not-leak';
      process.env.TUNEFLOW_TEST_TOKEN = 'abc';
      const run = evaluate();
      const first = await run(input, never);
      const names = Object.keys(first).filter((k) => k.startsWith('env:')).map((k) => k.slice(4)).sort();
      const inherited = ['HOME', 'LANG', 'PATH', 'TZ'].filter((k) => process.env[k] !== undefined);
      assert.deepEqual(names, [...inherited, 'MODE', 'TOKEN'].sort());
      assert.equal(first.sharpe, 3);
      process.env.TUNEFLOW_TEST_TOKEN = 'abcdef';
      assert.equal((await run(input, never)).sharpe, 6, 'read again at the next attempt');
      delete process.env.TUNEFLOW_TEST_TOKEN;
      await assert.rejects(run(input, never), (e: unknown) => e instanceof EvaluatorEnvError && /TUNEFLOW_TEST_TOKEN .* worker "w-1"/.test(e.message));
    });
  });
});
