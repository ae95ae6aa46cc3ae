import { InputError } from '../errors';
import type { Algorithm, ProposeContext, WarmPoint } from './algorithm';
import { grid } from './grid';
import { cmaes } from './cmaes';
import { genetic } from './genetic';
import { gp } from './gp';
import { ListSampler, type ListState } from './list';
import { motpe } from './motpe';
import { nsga2 } from './nsga2';
import { didYouMean } from '../errors/didYouMean';
import { resolveOptions, type OptionValue } from './options';
import { MAX_OBJECTIVES } from './pareto';
import { qmc } from './qmc';
import { random } from './random';
import { tpe } from './tpe';
import { Prng } from './prng';
import { DriverSampler, type Compiled, type DriverState } from './sampler';
import { Space } from './space';
import type { AlgorithmName, Sampler, SamplerConfig, SamplerState } from './types';
import { compileConstraints, countFeasible, validateSpace } from './validate';

const ALGORITHMS = { grid, random, qmc, tpe, cmaes, genetic, gp } as Partial<Record<AlgorithmName, Algorithm>>;
/** With two or more objectives: grid, random and qmc ignore results; genetic runs as NSGA-II, tpe as MOTPE. */
const MULTI_OBJECTIVE = { grid, random, qmc, tpe: motpe, genetic: nsga2 } as Partial<Record<AlgorithmName, Algorithm<unknown, readonly number[]>>>;

function checkDirection(name: string, value: unknown): void {
  if (value !== 'maximize' && value !== 'minimize') throw new InputError(`${name} must be maximize or minimize, got ${JSON.stringify(value)}`);
}

function checkDirections(config: SamplerConfig): void {
  const { directions } = config;
  if (directions === undefined) return;
  if (!Array.isArray(directions) || directions.length < 1 || directions.length > MAX_OBJECTIVES) {
    throw new InputError(`directions must list one direction per objective, 1 to ${MAX_OBJECTIVES} of them, got ${JSON.stringify(directions)}`);
  }
  directions.forEach((d, i) => checkDirection(`directions[${i}]`, d));
  if (directions[0] !== config.direction) {
    throw new InputError(`direction must be the first objective's, directions[0] = ${directions[0]}, got ${config.direction}`);
  }
  if (directions.length > 1 && !(config.algorithm in MULTI_OBJECTIVE)) {
    throw new InputError(
      `${config.algorithm} optimises one objective; for ${directions.length} objectives choose genetic (NSGA-II), tpe (multi-objective TPE), random, qmc or grid`,
    );
  }
}

function checkConfig(config: SamplerConfig): void {
  const names = Object.keys(ALGORITHMS);
  if (!(config.algorithm in ALGORITHMS)) {
    throw new InputError(`unknown algorithm "${config.algorithm}"${didYouMean(String(config.algorithm), names)}; choose one of ${names.join(', ')}`);
  }
  if (!Number.isSafeInteger(config.seed)) throw new InputError(`seed must be an integer, got ${config.seed}`);
  if (!Number.isSafeInteger(config.trials) || config.trials < 1) throw new InputError(`trials must be a positive integer, got ${config.trials}`);
  checkDirection('direction', config.direction);
  checkDirections(config);
  const p = config.parallelism;
  if (p !== undefined && (!Number.isSafeInteger(p) || p < 1)) throw new InputError(`parallelism must be a positive integer, got ${p}`);
  if (config.mode !== undefined && config.mode !== 'ordered' && config.mode !== 'eager') {
    throw new InputError(`mode must be ordered or eager, got ${JSON.stringify(config.mode)}`);
  }
  validateSpace(config.space, config.constraints);
}

/**
 * An algorithm's warm start fed one minimised loss per objective, as `toLoss` makes its loss of them: its own
 * `warmStart`, or else each point observed in turn without tag.
 */
function warmStartOf<L>(algorithm: Algorithm<unknown, L>, toLoss: (losses: readonly number[]) => L): Compiled['warmStart'] {
  return (model: unknown, points: readonly WarmPoint<readonly number[]>[], ctx: ProposeContext) => {
    const own = points.map((p) => ({ x: p.x, loss: toLoss(p.loss) }));
    if (algorithm.warmStart) algorithm.warmStart(model, own, ctx);
    else for (const p of own) algorithm.observe(model, p.x, p.loss, undefined, ctx);
  };
}

function compile(config: SamplerConfig): Compiled {
  const directions = config.directions ?? [config.direction];
  const common = { config, directions, space: new Space(config.space), constraints: compileConstraints(config.space, config.constraints) };
  if (directions.length > 1) {
    const algorithm = MULTI_OBJECTIVE[config.algorithm] as Algorithm<unknown, readonly number[]>;
    return {
      ...common,
      algorithm,
      observe: (model, x, losses, tag, ctx) => algorithm.observe(model, x, losses, tag, ctx),
      warmStart: warmStartOf(algorithm, (losses) => losses),
      options: resolveOptions(config.algorithm, algorithm.options, config.options),
    };
  }
  const algorithm = ALGORITHMS[config.algorithm] as Algorithm;
  return {
    ...common,
    algorithm,
    observe: (model, x, losses, tag, ctx) => algorithm.observe(model, x, losses[0] as number, tag, ctx),
    warmStart: warmStartOf(algorithm, (losses) => losses[0] as number),
    options: resolveOptions(config.algorithm, algorithm.options, config.options),
  };
}

/**
 * Option values a new session records, for options whose best value was found after sessions had recorded
 * their states: a state or session history without the option keeps its old default and so proposes what it
 * always did, while a session started now gets the value written into its config.
 * - tpe with one objective, `nEiCandidates` 64 (24 before): with the same history it proposes what Optuna's
 *   TPESampler proposes, so only more candidates made it better than Optuna's default (BENCHMARKS.md).
 */
const NEW_SESSION_OPTIONS: Partial<Record<AlgorithmName, Record<string, OptionValue>>> = { tpe: { nEiCandidates: 64 } };

/**
 * The config as a new session should record it: `NEW_SESSION_OPTIONS` of its algorithm written into
 * `options` where the config leaves them unset. Call it where a session's config is first built (never on a
 * config read back from a state or a session's history).
 */
export function withCurrentDefaults(config: SamplerConfig): SamplerConfig {
  const current = NEW_SESSION_OPTIONS[config.algorithm];
  if (!current || (config.directions?.length ?? 1) > 1) return config;
  const given = Object.fromEntries(Object.entries(config.options ?? {}).filter(([, v]) => v !== undefined && v !== null));
  return { ...config, options: { ...current, ...given } };
}

/**
 * Builds a sampler for a new session: validates the whole config, then starts the algorithm from the seed.
 *
 * `options` by algorithm (all optional):
 * - grid: `shuffle` (false).
 * - random, qmc: none.
 * - tpe: `nStartupTrials` (10), `nEiCandidates` (24; {@link withCurrentDefaults} gives new sessions 64),
 *   `multivariate` (true), `constantLiar` (true), `priorWeight` (1), `history` (observations kept: 500, fewer
 *   beyond 39 parameters).
 * - cmaes: `sigma0` (1/6 of each range), `popsize` (4 + 3 ln d), `restarts` ('ipop' | 'none'), `incPopsize` (2).
 * - genetic: `populationSize` (50), `tournamentSize` (2), `crossover` ('blx' | 'uniform'), `crossoverProb` (0.9),
 *   `mutationProb` (1/d), `mutationScale` (0.1 of each range).
 * - gp: `nStartupTrials` (10), `nCandidates` (512), `nLocalSearch` (10), `maxPoints` (300, at most 500).
 *
 * With `directions` of two or more objectives, genetic runs as NSGA-II and tpe as multi-objective TPE (same
 * options), results come as `{ values }`; cmaes and gp refuse.
 * @throws InputError for a bad space, constraint, option or setting (the message names it and the fix).
 * @example
 *   const sampler = createSampler({ algorithm: 'tpe', space: { fast: { type: 'int', low: 2, high: 50 } },
 *     seed: 7, trials: 200, direction: 'maximize', parallelism: 4 });
 *   const trial = sampler.suggest(); // { id: 1, params: { fast: … } }
 *   sampler.update(trial.id, { value: 1.3 });
 */
export function createSampler(input: SamplerConfig): Sampler {
  const config = JSON.parse(JSON.stringify(input)) as SamplerConfig;
  checkConfig(config);
  const c = compile(config);
  if (config.algorithm === 'grid') {
    const continuous = c.space.dims.find((d) => d.kind === 'continuous');
    if (continuous) throw new InputError(`grid search needs a finite space: give float parameter "${continuous.name}" a step, or use random, qmc or tpe`);
    if (c.space.size === null) throw new InputError('the grid has more than 2^52 points; use random, qmc or tpe');
  }
  const finite = c.space.size !== null;
  const state: DriverState = {
    version: 1,
    config,
    rng: Prng.fromSeed(config.seed).state(),
    nextId: 1,
    exhausted: false,
    open: [],
    best: null,
    cursor: 0,
    feasible: countFeasible(c.space, c.constraints),
    seen: finite && config.algorithm !== 'grid' ? '' : null,
    model: c.algorithm.init(c.space, c.options, config.seed),
  };
  return new DriverSampler(c, state);
}

/**
 * Rebuilds a sampler from `state()`, e.g. after continue-as-new; it continues exactly as the original would
 * have, including trials still open when the state was taken.
 * @throws InputError when the state is not one this version wrote.
 */
export function restoreSampler(state: SamplerState): Sampler {
  if (state === null || typeof state !== 'object' || state.version !== 1 || !state.config) {
    throw new InputError('not a sampler state of version 1');
  }
  if (state.kind === 'list') return new ListSampler(state as ListState);
  const copy = JSON.parse(JSON.stringify(state)) as DriverState;
  return new DriverSampler(compile(copy.config), copy);
}
