import path from 'node:path';
import { asyncLocalStorage } from '@temporalio/activity';
import { InputError } from '../../errors';
import { writeFileAtomicAsync } from '../../files/atomic';
import type { EnvValue } from '../../types/session';
import type { TrialEvaluator, TrialInput } from '../types';
import { commandEnvironment } from './environment';
import { CappedLog, StderrTail, StdoutMetrics } from './output';
import { runInGroup, type GroupExit } from './processGroup';

export interface CommandEvaluatorOptions {
  /** The program and its arguments, run without a shell; parameters never appear here, only on stdin. */
  command: readonly string[];
  /** Wall-clock limit of one attempt; past it the process group is killed and the attempt fails retryably. */
  timeoutMs: number;
  /**
   * The command's variables besides PATH, HOME, LANG and TZ (the only ones it inherits): literal values, or
   * `{ fromEnv }` references to the worker's environment, read at each attempt.
   */
  env: Readonly<Record<string, EnvValue>>;
  /** This worker's id, named when a referenced variable is missing here. */
  workerId?: string;
  /** Working directory of the command (absolute). */
  cwd: string;
  /** Where `<trialId>.log` is written: extra stdout and all of stderr of the trial's last attempt. */
  logDir: string;
  /** Captured output kept per log file, in bytes (plus a two-line header and a note when truncated). */
  maxLogBytes: number;
}

/** What the command reads on stdin, one JSON object followed by a newline. */
export interface CommandRequest {
  session_id: string;
  trial_id: number;
  attempt: number;
  params: TrialInput['params'];
  data: { path: string };
  objective: TrialInput['objective'];
}

const STDERR_LINES_IN_ERRORS = 20;

/**
 * An evaluator that runs a backtester written in any language as an external command: the trial goes to it
 * as JSON on stdin, and the last line of stdout that is a JSON object holds its metrics.
 *
 * @throws InputError at creation for an empty command.
 * The evaluator rejects with EvaluatorEnvError (an InputError: never retried) before starting the command when
 * a variable that `env` refers to is not set on this worker; with EvaluatorOutputError (an InputError too) when
 * the command exits 0 without usable metrics; with a plain Error (retried) when it cannot start, exits non-zero,
 * dies of a signal or times out; with the signal's reason when the trial is cancelled. It writes the log
 * whenever the command ran.
 * @example
 * const evaluate = createCommandEvaluator({ command: ['python3', 'sma_bt.py'], timeoutMs: 120_000, env: {},
 *   cwd: '/campaigns/python', logDir: 'outputs/s1/logs', maxLogBytes: 1 << 20 });
 */
export function createCommandEvaluator(options: CommandEvaluatorOptions): TrialEvaluator {
  const { command, cwd, logDir } = options;
  if (command.length === 0 || command[0] === '') throw new InputError('evaluator.command: expected a program and its arguments, got an empty list.');
  const shown = JSON.stringify(command);

  return async (input, signal) => {
    const info = asyncLocalStorage.getStore()?.info;
    const env = commandEnvironment(options.env, { variables: process.env, workerId: options.workerId, taskQueue: info?.taskQueue });
    const request: CommandRequest = {
      session_id: input.sessionId,
      trial_id: input.trialId,
      attempt: input.attempt ?? info?.attempt ?? 1,
      params: input.params,
      data: { path: input.evaluator.dataPath },
      objective: input.objective,
    };
    const log = new CappedLog(options.maxLogBytes);
    const stdout = new StdoutMetrics((text) => log.append(text));
    const stderr = new StderrTail();
    const exit = await runInGroup({
      argv: command,
      cwd,
      env,
      stdin: JSON.stringify(request) + '\n',
      timeoutMs: options.timeoutMs,
      signal,
      onStdout: (text) => stdout.push(text),
      onStderr: (text) => {
        log.append(text);
        stderr.push(text);
      },
    });
    stdout.end();
    await writeFileAtomicAsync(path.join(logDir, `${input.trialId}.log`), Buffer.concat([header(request, shown, cwd, exit), log.toBuffer()]));

    if (exit.aborted) throw signal.reason instanceof Error ? signal.reason : new Error(`trial ${input.trialId} was cancelled`);
    if (exit.timedOut) throw new Error(`${shown} timed out after ${seconds(options.timeoutMs)} and was killed with its process group${stderrTail(stderr)}`);
    if (exit.code !== 0) {
      const how = exit.code === null ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
      throw new Error(`${shown} ${how}${stderrTail(stderr)}`);
    }
    return stdout.metrics(input.objective.metric);
  };
}

function header(request: CommandRequest, shown: string, cwd: string, exit: GroupExit): Buffer {
  const outcome = exit.aborted ? 'cancelled' : exit.timedOut ? 'timed out' : exit.code === null ? `killed by ${exit.signal}` : `exit code ${exit.code}`;
  return Buffer.from(
    `# tuneflow trial ${request.trial_id} attempt ${request.attempt} of session ${request.session_id}: ${shown} in ${cwd}\n` +
      `# ${outcome} after ${seconds(exit.durationMs)}\n`,
  );
}

function stderrTail(stderr: StderrTail): string {
  const tail = stderr.lines(STDERR_LINES_IN_ERRORS);
  return tail === '' ? ' (nothing on stderr)' : `; last lines of stderr:\n${tail}`;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 0)} s`;
}

