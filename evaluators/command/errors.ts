import { InputError } from '../../errors';

/**
 * An external evaluator ran to completion but printed no usable metrics: no JSON object on stdout, the
 * objective metric missing, or a value that is not a number or null. Running it again would print the same,
 * so it extends InputError, which the trial activity fails without retrying.
 */
export class EvaluatorOutputError extends InputError {
  override name = 'EvaluatorOutputError';
}

/**
 * An evaluator's environment refers to a variable (`from_env`) that the worker running the trial does not have.
 * Every attempt on that worker would fail the same way, so it extends InputError: the trial fails without retry.
 */
export class EvaluatorEnvError extends InputError {
  override name = 'EvaluatorEnvError';
}
