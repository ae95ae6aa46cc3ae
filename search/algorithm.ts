import type { OptionSpecs, ResolvedOptions } from './options';
import type { Prng } from './prng';
import type { Space } from './space';

/** A point an algorithm would like evaluated, in unit coordinates; `tag` comes back with its result. */
export interface Candidate {
  x: number[];
  tag?: number;
}

export interface ProposeContext {
  readonly space: Space;
  readonly rng: Prng;
  readonly options: ResolvedOptions;
  /** Points proposed whose results the model may not use yet, oldest first (for a constant liar). */
  readonly pending: readonly (readonly number[])[];
  /** Whether a point meets the constraints, for algorithms that search for their candidates (duplicates aside). */
  readonly feasible: (x: readonly number[]) => boolean;
}

/**
 * A search algorithm behind the Sampler contract, in the style of Optuna's BaseSampler but with the history
 * handed in: `init` builds its state, `propose` reads it, `observe` folds one result in. The state is plain
 * JSON that the algorithm mutates in place; everything else it needs is recomputed from it, so a state
 * restored from JSON proposes exactly what the original would have.
 *
 * The sampler around it owns ids, the trial budget, ordered/eager feeding, constraints and duplicates:
 * candidates that violate a constraint or repeat a point of a finite space are skipped.
 */
export interface Algorithm<S = unknown, L = number> {
  /** Whether proposals depend on results; only such algorithms wait for results in ordered mode. */
  readonly adaptive: boolean;
  readonly options: OptionSpecs;
  /** Whether the fallback walk over a finite space visits it in a seeded random order (else in grid order). */
  shuffledWalk(options: ResolvedOptions): boolean;
  init(space: Space, options: ResolvedOptions, seed: number): S;
  /** Candidates, best first, or null to leave every proposal to the walk (grid search). */
  propose(state: S, ctx: ProposeContext): Candidate[] | null;
  /**
   * Folds in the result of a point this algorithm (or the sampler's fallback, then without tag) proposed.
   * `loss` is to be minimized: one number, or (`L` = `readonly number[]`, multi-objective algorithms) one per
   * objective; failed trials never reach the algorithm.
   */
  observe(state: S, x: readonly number[], loss: L, tag: number | undefined, ctx: ProposeContext): void;
  /**
   * Folds in the results of an earlier search before the first proposal (a warm start), oldest first. Absent,
   * each is observed as a point of the sampler's fallback is, without tag. An algorithm whose state is a
   * search distribution rather than a memory of points (CMA-ES) fits that distribution to them instead.
   */
  warmStart?(state: S, points: readonly WarmPoint<L>[], ctx: ProposeContext): void;
}

/** A point of an earlier search and its loss, for {@link Algorithm.warmStart}. */
export interface WarmPoint<L = number> {
  x: readonly number[];
  loss: L;
}
