/** A parameter value as a trial sees it. */
export type ParamValue = number | string | boolean;

/** One parameter set, keyed by parameter name. */
export type Params = Record<string, ParamValue>;

/** Where one parameter may lie. */
export type Distribution =
  | { type: 'int'; low: number; high: number; step?: number; log?: boolean }
  | { type: 'float'; low: number; high: number; step?: number; log?: boolean }
  | { type: 'categorical'; choices: ParamValue[] };

/** The search space: parameter name to distribution. */
export type SearchSpace = Record<string, Distribution>;

export type AlgorithmName = 'grid' | 'random' | 'qmc' | 'tpe' | 'cmaes' | 'genetic' | 'gp';
export type Direction = 'maximize' | 'minimize';

/**
 * How results feed the sampler.
 * - `ordered`: trial n is suggested from exactly the results of trials 1..n-p (p = parallelism);
 *   trials n-p+1..n-1 count as pending. The proposals then depend only on seed, config and p.
 * - `eager`: every result is used as soon as it arrives; faster, not reproducible across timings.
 */
export type FeedMode = 'ordered' | 'eager';

export interface SamplerConfig {
  algorithm: AlgorithmName;
  space: SearchSpace;
  /** Constraints between parameters, such as `"fast < slow"`; parsed, never evaluated as code. */
  constraints?: string[];
  seed: number;
  /** How many trials to propose at most. Finite spaces may end sooner. */
  trials: number;
  /** Of the objective; with several objectives, of the first (the one `best()` ranks by). */
  direction: Direction;
  /**
   * One direction per objective, for a multi-objective search (2 to 4 objectives; the first equals
   * `direction`). Results then come as `{ values }`, one per objective: genetic runs as NSGA-II, tpe as MOTPE,
   * grid, random and qmc ignore results anyway, cmaes and gp refuse. Absent: one objective.
   */
  directions?: Direction[];
  /** Trials in flight at once; ordered mode uses it to decide which results a proposal may see. */
  parallelism?: number;
  mode?: FeedMode;
  /** Algorithm-specific settings (e.g. `{ shuffle: true }` for grid, `{ nStartupTrials: 10 }` for TPE). */
  options?: Record<string, unknown>;
}

export interface Suggestion {
  id: number;
  params: Params;
}

/**
 * A trial's result: its objective's `value`, or `values`, one per objective in the order of `directions` (a
 * multi-objective sampler takes only these); any non-finite number makes it a failure.
 */
/**
 * A trial's result: its objective value (or values), a failure (no value: left out of the model), or a result
 * that broke a result constraint (`infeasible`: ranked below every feasible one, so the search moves away).
 */
export type Outcome = { value: number } | { values: number[] } | { failed: true } | { infeasible: true };

/**
 * A result of an earlier search handed to a new sampler before its first proposal (a warm start, after Optuna's
 * `add_trials`): the point it evaluated and what came of it. `{ failed: true }` is a point evaluated without a
 * usable result: never proposed again in a finite space, but not fed to the model.
 */
export interface PriorTrial {
  params: Params;
  outcome: Outcome;
}

export interface BestTrial {
  id: number;
  params: Params;
  /** The objective's value; with several objectives, the first's. */
  value: number;
  /** Every objective's value, with several objectives. */
  values?: number[];
}

/** Plain JSON, bounded in size, enough to rebuild the sampler exactly. */
export type SamplerState = { version: 1; config: SamplerConfig } & Record<string, unknown>;

/**
 * A seeded, deterministic search algorithm. No wall clock, no Math.random, no I/O: it runs inside
 * Temporal workflows. The same config and the same updates give the same suggestions.
 */
export interface Sampler {
  /** The next trial to run, ids counting up from 1; `null` when nothing can be proposed right now. */
  suggest(): Suggestion | null;
  /** Reports a trial's outcome, in any order; a trial id is updated once (a second update is ignored). */
  update(id: number, outcome: Outcome): void;
  /** True once every trial that will ever be proposed has been proposed and updated. */
  isComplete(): boolean;
  /** The best updated trial so far by the (first) objective (ties: the lowest id), or null. */
  best(): BestTrial | null;
  /** Trials it proposes at most: `config.trials`, until {@link setBudget} changes it. */
  budget(): number;
  /**
   * Changes the budget of a live sampler (a running session extended or cut short). Proposals do not depend on
   * the budget, so a sampler extended from 100 to 200 trials proposes what one created with 200 would.
   * @throws RangeError for a budget below the trials already proposed, or not a positive integer.
   */
  setBudget(trials: number): void;
  /** Trials proposed so far (ids 1..n). */
  proposed(): number;
  /**
   * Seeds the search with results of an earlier one, before the first proposal: each point that lies in the
   * space and meets the constraints is fed to the algorithm and, in a finite space, never proposed. They are not
   * trials: no id, not counted against the budget, not in {@link best}. Returns how many were taken.
   * @throws RangeError once a trial has been proposed, or for a sampler that proposes a fixed list.
   */
  warmStart(prior: readonly PriorTrial[]): number;
  state(): SamplerState;
}
