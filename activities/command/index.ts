export { createCommandEvaluator, type CommandEvaluatorOptions, type CommandRequest } from './evaluator';
export { EvaluatorOutputError } from './errors';
