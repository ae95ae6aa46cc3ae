/**
 * tuneflow/search: seeded, deterministic samplers whose state is plain JSON, safe to run inside Temporal
 * workflows (no wall clock, no Math.random, no I/O, no dependencies).
 */
export { createSampler, restoreSampler, withCurrentDefaults } from './create';
export { ListSampler } from './list';
export { checkConstraints, parseConstraint } from './constraints';
export type { Comparator, Constraint, Expr } from './constraints';
export { gridSize, validateSpace } from './validate';
export { pointProblem } from './prior';
export { crowdingDistance, dominates, hypervolume, MAX_OBJECTIVES, nonDominatedSort, paretoFront } from './pareto';
export type {
  AlgorithmName,
  BestTrial,
  Direction,
  Distribution,
  FeedMode,
  Outcome,
  ParamValue,
  Params,
  PriorTrial,
  Sampler,
  SamplerConfig,
  SamplerState,
  SearchSpace,
  Suggestion,
} from './types';
