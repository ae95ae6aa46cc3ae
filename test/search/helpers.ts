import { createSampler, restoreSampler, type Outcome, type Params, type PriorTrial, type Sampler, type SamplerConfig, type SearchSpace } from '../../search';
import { Prng } from '../../search/prng';

/** Every kind of parameter the space language has. */
export const MIXED_SPACE: SearchSpace = {
  fast: { type: 'int', low: 2, high: 40 },
  slow: { type: 'int', low: 10, high: 200, step: 5 },
  lookback: { type: 'int', low: 1, high: 1000, log: true },
  stop: { type: 'float', low: 0.5, high: 5 },
  take: { type: 'float', low: 0.1, high: 2.5, step: 0.1 },
  rate: { type: 'float', low: 1e-4, high: 1, log: true },
  kind: { type: 'categorical', choices: ['sma', 'ema', 'wma'] },
};

/** 3 x 4 x 2 = 24 points, 14 of them feasible under `a < b`. */
export const SMALL_SPACE: SearchSpace = {
  a: { type: 'int', low: 1, high: 3 },
  b: { type: 'int', low: 0, high: 6, step: 2 },
  c: { type: 'categorical', choices: [true, false] },
};

/** A smooth objective with its optimum inside the space; strings count by their position. */
export function objective(params: Params): number {
  let sum = 0;
  for (const [name, v] of Object.entries(params)) {
    const x = typeof v === 'number' ? v : typeof v === 'boolean' ? Number(v) : v.length;
    sum += Math.sin(x * 0.37 + name.length) * (1 + (name.charCodeAt(0) % 3));
  }
  return sum;
}

/** A second objective that pulls against {@link objective} in places, for multi-objective runs. */
export function secondObjective(params: Params): number {
  let sum = 0;
  for (const [name, v] of Object.entries(params)) {
    const x = typeof v === 'number' ? v : typeof v === 'boolean' ? Number(v) : v.length;
    sum += Math.cos(x * 0.23 + name.length * 2) * (1 + (name.charCodeAt(1) % 2));
  }
  return sum;
}

/** What a sampler of `cfg` is told of a trial: its objective, or one value per objective. */
export function outcomeOf(cfg: SamplerConfig, params: Params): Outcome {
  return (cfg.directions?.length ?? 1) > 1 ? { values: [objective(params), secondObjective(params)] } : { value: objective(params) };
}

/**
 * `count` points of `cfg`'s space drawn by a random search of seed `seed`, each with its outcome under `cfg`
 * (every fifth failed, every seventh infeasible): the results of an earlier search for a warm start.
 */
export function earlierSearch(cfg: SamplerConfig, count: number, seed = 1234): PriorTrial[] {
  const sampler = createSampler({ ...cfg, algorithm: 'random', seed, trials: count, constraints: cfg.constraints, directions: undefined, direction: cfg.direction, options: {} });
  const prior: PriorTrial[] = [];
  for (let trial = sampler.suggest(); trial; trial = sampler.suggest()) {
    sampler.update(trial.id, { failed: true });
    const outcome: Outcome = trial.id % 5 === 0 ? { failed: true } : trial.id % 7 === 0 ? { infeasible: true } : outcomeOf(cfg, trial.params);
    prior.push({ params: trial.params, outcome });
  }
  return prior;
}

export function config(algorithm: SamplerConfig['algorithm'], overrides: Partial<SamplerConfig> = {}): SamplerConfig {
  return { algorithm, space: MIXED_SPACE, seed: 42, trials: 40, direction: 'maximize', ...overrides };
}

export interface RunOptions {
  /** Trials in flight at once, as the workflow keeps them. */
  parallelism: number;
  /** Seed of the completion order; undefined completes the oldest trial first. */
  shuffle?: number;
  /** Rebuild the sampler from JSON after every call, as continue-as-new would. */
  roundTrip?: boolean;
  /** Trials whose id is a multiple of this fail. */
  failEvery?: number;
  /** Raise the budget to this once the first budget is proposed, while its last trials are in flight. */
  extendTo?: number;
  /** Results of an earlier search the sampler is warm-started with. */
  prior?: PriorTrial[];
}

export interface Run {
  proposals: { id: number; params: Params }[];
  sampler: Sampler;
}

const cloneState = (s: Sampler): Sampler => restoreSampler(JSON.parse(JSON.stringify(s.state())));

/**
 * Drives a sampler the way the session workflow does: suggest while fewer than p trials are in flight, then
 * complete one of them; checks the no-deadlock invariant at every step.
 */
export function simulate(cfg: SamplerConfig, run: RunOptions): Run {
  let sampler = createSampler({ ...cfg, parallelism: run.parallelism });
  if (run.prior) sampler.warmStart(run.prior);
  const order = run.shuffle === undefined ? null : Prng.fromSeed(run.shuffle, 99);
  const inFlight: { id: number; params: Params }[] = [];
  const proposals: Run['proposals'] = [];
  for (let guard = 0; guard < 100_000; guard++) {
    while (inFlight.length < run.parallelism) {
      const trial = sampler.suggest();
      if (run.roundTrip) sampler = cloneState(sampler);
      if (!trial) break;
      inFlight.push(trial);
      proposals.push(trial);
    }
    if (run.extendTo !== undefined && sampler.budget() < run.extendTo && sampler.proposed() >= sampler.budget()) {
      sampler.setBudget(run.extendTo);
      continue;
    }
    if (inFlight.length === 0) {
      if (!sampler.isComplete()) throw new Error('deadlock: nothing in flight, suggest() is null, isComplete() is false');
      return { proposals, sampler };
    }
    const [done] = inFlight.splice(order ? order.below(inFlight.length) : 0, 1);
    const fail = run.failEvery !== undefined && done!.id % run.failEvery === 0;
    sampler.update(done!.id, fail ? { failed: true } : outcomeOf(cfg, done!.params));
    if (run.roundTrip) sampler = cloneState(sampler);
  }
  throw new Error('simulation did not finish');
}
