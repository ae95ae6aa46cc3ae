import type { EnvValue } from '../../types/session';
import { EvaluatorEnvError } from './errors';

/**
 * What a command inherits from the worker, when the worker has them: enough to find programs, a home folder, the
 * locale and the time zone. Nothing else of the worker's environment (Temporal API keys, the Redis URL, cloud
 * credentials) reaches a command unless its config names it.
 */
export const INHERITED_VARIABLES = ['PATH', 'HOME', 'LANG', 'TZ'] as const;

export interface WorkerEnvironment {
  /** The worker's own environment, where references are looked up. */
  variables: Readonly<Record<string, string | undefined>>;
  /** Named in the error for a missing reference, when known. */
  workerId?: string;
  taskQueue?: string;
}

/**
 * The environment of one attempt of an evaluator command: the inherited variables, then `configured` on top of
 * them, with each `{ fromEnv }` reference read from the worker now, so its value never travels with the spec.
 * @throws EvaluatorEnvError naming the variable, the worker and the fix when a referenced variable is not set.
 * @example commandEnvironment({ API_TOKEN: { fromEnv: 'BT_TOKEN' }, MODE: 'fast' }, { variables: process.env, workerId: 'w1' })
 */
export function commandEnvironment(configured: Readonly<Record<string, EnvValue>>, worker: WorkerEnvironment): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of INHERITED_VARIABLES) {
    const value = worker.variables[name];
    if (value !== undefined) env[name] = value;
  }
  for (const [name, value] of Object.entries(configured)) {
    if (typeof value === 'string') {
      env[name] = value;
      continue;
    }
    const resolved = worker.variables[value.fromEnv];
    if (resolved === undefined) throw missingVariable(name, value.fromEnv, worker);
    env[name] = resolved;
  }
  return env;
}

function missingVariable(key: string, variable: string, worker: WorkerEnvironment): EvaluatorEnvError {
  const who = worker.workerId ? `worker "${worker.workerId}"` : 'the worker running this trial';
  const where = worker.taskQueue ? `every worker on task queue "${worker.taskQueue}"` : 'every worker that runs this session';
  return new EvaluatorEnvError(
    `evaluator.env.${key} takes its value from the environment variable ${variable} (from_env), which ${who} does not have. ` +
      `Set ${variable} in the environment of ${where} and restart them, or change evaluator.env.${key} in the config.`,
  );
}
