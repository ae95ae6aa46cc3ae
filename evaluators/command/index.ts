export { commandEnvironment, INHERITED_VARIABLES, type WorkerEnvironment } from './environment';
export { createCommandEvaluator, type CommandEvaluatorOptions, type CommandRequest } from './evaluator';
export { EvaluatorEnvError, EvaluatorOutputError } from './errors';
