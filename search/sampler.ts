import type { Algorithm, Candidate, ProposeContext, WarmPoint } from './algorithm';
import { checkConstraints, type Constraint } from './constraints';
import type { ResolvedOptions } from './options';
import { Permutation } from './permutation';
import { pointProblem } from './prior';
import { Prng, type PrngState } from './prng';
import { SeenSet } from './seen';
import type { Space } from './space';
import type { BestTrial, Direction, Outcome, Params, PriorTrial, Sampler, SamplerConfig, SamplerState, Suggestion } from './types';
import { ranksBefore } from './ranking';

/**
 * The loss an infeasible trial is fed with: worse than any result, and finite, since the model's state is JSON.
 */
export const INFEASIBLE_LOSS = Number.MAX_VALUE;
/** Calls to the algorithm for a trial before the sampler falls back to its own search for a feasible new point. */
export const MODEL_ROUNDS = 4;
/** Uniform draws of the fallback in a space with a continuous parameter. */
export const FALLBACK_DRAWS = 20_000;
/** Positions of the fallback walk over a finite space per trial; more rejected in a row ends the search. */
export const WALK_LIMIT = 2 ** 21;

/** A proposed trial the model has not been fed yet; its outcome, once known, waits here in ordered mode. */
interface OpenTrial {
  id: number;
  params: Params;
  x: number[];
  tag?: number;
  outcome?: Outcome;
}

interface Fields {
  rng: PrngState;
  nextId: number;
  /** No further point can be proposed: the space is used up or the constraints left nothing. */
  exhausted: boolean;
  open: OpenTrial[];
  best: BestTrial | null;
  /** Position of the walk over a finite space. */
  cursor: number;
  /** Feasible points of a finite space when counted at creation (spaces up to 2^20 points). */
  feasible: number | null;
  /** Base64 of the seen set of a finite space; null for grid search and continuous spaces. */
  seen: string | null;
  model: unknown;
}

export type DriverState = SamplerState & Fields;

/** What the driver needs besides its state, all derived from the config. */
export interface Compiled {
  config: SamplerConfig;
  /** One per objective (the config's `directions`, or its `direction`). */
  directions: Direction[];
  space: Space;
  constraints: Constraint[];
  /** Everything of the algorithm but `observe` and `warmStart`, whose loss is a number or a vector by the objectives. */
  algorithm: Omit<Algorithm<unknown, never>, 'observe' | 'warmStart'>;
  /** The algorithm's `observe`, fed one minimised loss per objective. */
  observe(model: unknown, x: readonly number[], losses: readonly number[], tag: number | undefined, ctx: ProposeContext): void;
  /** The algorithm's warm start (see {@link Algorithm.warmStart}), fed one minimised loss per objective. */
  warmStart(model: unknown, points: readonly WarmPoint<readonly number[]>[], ctx: ProposeContext): void;
  options: ResolvedOptions;
}

/**
 * The Sampler every algorithm runs in. It hands out ids, keeps the budget, skips infeasible and repeated
 * points, and decides which results the algorithm may see.
 *
 * Constraints and duplicates: a candidate that violates a constraint, or repeats a point already proposed in a
 * finite space (tracked by SeenSet), is skipped. After MODEL_ROUNDS calls to the algorithm without an
 * acceptable candidate, the sampler searches itself: in a finite space it walks a seeded permutation of all
 * points from a saved cursor, which finds every unseen feasible point; in a continuous space it rejects up to
 * FALLBACK_DRAWS uniform draws. If that finds nothing the space counts as exhausted: `suggest()` returns null
 * from then on and the session completes once the trials in flight report.
 *
 * Feeding:
 * - ordered mode (default) with an adaptive algorithm: trial n waits until trials 1..n-p are all reported and
 *   is proposed from exactly those, in id order, with n-p+1..n-1 pending; a result that arrives early waits in
 *   `open`. So proposals depend on the seed, the config and p only.
 * - eager mode, or an algorithm that ignores results: each result is fed as it arrives.
 */
export class DriverSampler implements Sampler {
  private readonly rng: Prng;
  /** Created by a warm start for grid search, which otherwise never needs one. */
  private seen: SeenSet | null;
  private readonly walk: Permutation | null;
  private readonly gated: boolean;
  private readonly parallelism: number;

  constructor(
    private readonly c: Compiled,
    private readonly s: DriverState,
  ) {
    this.rng = new Prng(s.rng);
    const size = c.space.size;
    this.seen = s.seen === null || size === null ? null : new SeenSet(size, s.seen);
    const shuffled = c.algorithm.shuffledWalk(c.options);
    this.walk = size !== null && shuffled ? new Permutation(size, c.config.seed, 1) : null;
    this.parallelism = c.config.parallelism ?? 1;
    this.gated = c.algorithm.adaptive && (c.config.mode ?? 'ordered') === 'ordered';
  }

  suggest(): Suggestion | null {
    if (this.s.exhausted || this.s.nextId > this.c.config.trials) return null;
    if (this.gated) {
      const cutoff = this.s.nextId - this.parallelism;
      if (this.s.open.some((t) => t.id <= cutoff && !t.outcome)) return null;
      while (this.s.open.length > 0 && (this.s.open[0] as OpenTrial).id <= cutoff) this.feed(this.s.open.shift() as OpenTrial);
    }
    const point = this.propose();
    if (!point) {
      this.s.exhausted = true;
      return null;
    }
    const id = this.s.nextId++;
    this.s.open.push({ id, params: point.params, x: point.x, ...(point.tag === undefined ? {} : { tag: point.tag }) });
    this.seen?.add(this.c.space.indexOf(point.params));
    if (this.s.feasible !== null && id >= this.s.feasible) this.s.exhausted = true;
    return { id, params: { ...point.params } };
  }

  update(id: number, outcome: Outcome): void {
    const index = this.s.open.findIndex((t) => t.id === id);
    if (index < 0) {
      if (Number.isInteger(id) && id >= 1 && id < this.s.nextId) return;
      throw new RangeError(`trial ${id} was never suggested`);
    }
    const trial = this.s.open[index] as OpenTrial;
    if (trial.outcome) return;
    const values = this.valuesOf(outcome);
    const multi = this.c.directions.length > 1;
    trial.outcome = 'infeasible' in outcome ? { infeasible: true } : values === null ? { failed: true } : multi ? { values } : { value: values[0] as number };
    if (values !== null) this.record(trial.id, trial.params, values);
    if (!this.gated) {
      this.s.open.splice(index, 1);
      this.feed(trial);
    }
  }

  isComplete(): boolean {
    const proposing = !this.s.exhausted && this.s.nextId <= this.c.config.trials;
    return !proposing && this.s.open.every((t) => t.outcome);
  }

  best(): BestTrial | null {
    const best = this.s.best;
    return best && { ...best, params: { ...best.params }, ...(best.values ? { values: [...best.values] } : {}) };
  }

  budget(): number {
    return this.c.config.trials;
  }

  setBudget(trials: number): void {
    if (!Number.isSafeInteger(trials) || trials < Math.max(1, this.proposed())) {
      throw new RangeError(`a budget of ${trials} trials is below the ${this.proposed()} already proposed`);
    }
    this.c.config.trials = trials;
    this.s.config.trials = trials;
  }

  proposed(): number {
    return this.s.nextId - 1;
  }

  /**
   * Points that do not fit the space are left out. Each distinct point taken is marked as seen in a finite space
   * (grid search gets a seen set for it) and leaves one feasible point fewer, so a space the earlier search used
   * up is exhausted at once. Results feed the model as a trial's would: failures not at all, infeasible results
   * with the infeasible loss (one objective only). The algorithm sees them in the order given.
   */
  warmStart(prior: readonly PriorTrial[]): number {
    if (this.s.nextId > 1) throw new RangeError('a warm start comes before the first proposal');
    const size = this.c.space.size;
    if (size !== null) this.seen ??= new SeenSet(size);
    const points: WarmPoint<number[]>[] = [];
    let taken = 0;
    for (const { params, outcome } of prior) {
      if (pointProblem(this.c.config.space, this.c.constraints, params) !== null) continue;
      taken += 1;
      if (this.seen) {
        const index = this.c.space.indexOf(params);
        if (!this.seen.has(index)) {
          this.seen.add(index);
          if (this.s.feasible !== null) this.s.feasible -= 1;
        }
      }
      const losses = this.lossesOf(outcome);
      if (losses) points.push({ x: this.c.space.encode(params), loss: losses });
    }
    if (this.s.feasible !== null && this.s.feasible <= 0) this.s.exhausted = true;
    this.c.warmStart(this.s.model, points, this.context());
    return taken;
  }

  state(): SamplerState {
    const snapshot: DriverState = { ...this.s, rng: this.rng.state(), seen: this.seen ? this.seen.encode() : null };
    return JSON.parse(JSON.stringify(snapshot)) as SamplerState;
  }

  /**
   * One number per objective, or null for a failure (an outcome that says so, or any value not finite).
   * @throws RangeError for an outcome of the wrong shape: `{ value }` for a multi-objective sampler, or a
   *   `values` of the wrong length.
   */
  private valuesOf(outcome: Outcome): number[] | null {
    const k = this.c.directions.length;
    if ('failed' in outcome || 'infeasible' in outcome) return null;
    if ('value' in outcome && k > 1) throw new RangeError(`this sampler has ${k} objectives: report { values: [...] }, one per objective`);
    const values = 'value' in outcome ? [outcome.value] : [...outcome.values];
    if (values.length !== k) throw new RangeError(`expected ${k} objective value${k === 1 ? '' : 's'}, got ${values.length}`);
    return values.every(Number.isFinite) ? values : null;
  }

  /** The best by the first objective (ties: the lower id); it carries every objective's value when there are several. */
  private record(id: number, params: Params, values: number[]): void {
    const best = this.s.best;
    const value = values[0] as number;
    if (!best || ranksBefore(this.c.config.direction, value, id, best.value, best.id)) {
      this.s.best = { id, params: { ...params }, value, ...(values.length > 1 ? { values: [...values] } : {}) };
    }
  }

  private feed(trial: OpenTrial): void {
    const losses = trial.outcome ? this.lossesOf(trial.outcome) : null;
    if (losses) this.c.observe(this.s.model, trial.x, losses, trial.tag, this.context());
  }

  /** The minimised losses an outcome feeds the model, one per objective; null for what it is not fed. */
  private lossesOf(outcome: Outcome): number[] | null {
    // Several objectives rank fronts by distances that one infeasible point would stretch: there it counts as failed.
    if ('infeasible' in outcome) return this.c.directions.length > 1 ? null : [INFEASIBLE_LOSS];
    const values = this.valuesOf(outcome);
    return values && values.map((v, i) => (this.c.directions[i] === 'maximize' ? -v : v));
  }

  private context(): ProposeContext {
    const { space, constraints } = this.c;
    const feasible = constraints.length === 0 ? () => true : (x: readonly number[]) => checkConstraints(space.decode(x), constraints);
    return { space, rng: this.rng, options: this.c.options, pending: this.s.open.map((t) => t.x), feasible };
  }

  private acceptable(params: Params): boolean {
    if (!checkConstraints(params, this.c.constraints)) return false;
    return !this.seen || !this.seen.has(this.c.space.indexOf(params));
  }

  /** The algorithm's candidates first; then uniform draws (continuous space) or the walk (finite space). */
  private propose(): (Candidate & { params: Params }) | null {
    const ctx = this.context();
    for (let round = 0; round < MODEL_ROUNDS; round++) {
      const candidates = this.c.algorithm.propose(this.s.model, ctx);
      if (!candidates) break;
      for (const candidate of candidates) {
        const params = this.c.space.decode(candidate.x);
        if (this.acceptable(params)) return { ...candidate, params };
      }
    }
    const size = this.c.space.size;
    if (size !== null) return this.walkFrom(size);
    for (let i = 0; i < FALLBACK_DRAWS; i++) {
      const x = this.c.space.uniform(this.rng);
      const params = this.c.space.decode(x);
      if (checkConstraints(params, this.c.constraints)) return { x, params };
    }
    return null;
  }

  private walkFrom(size: number): (Candidate & { params: Params }) | null {
    for (let steps = 0; this.s.cursor < size && steps < WALK_LIMIT; steps++) {
      const position = this.s.cursor++;
      const params = this.c.space.at(this.walk ? this.walk.at(position) : position);
      if (this.acceptable(params)) return { x: this.c.space.encode(params), params };
    }
    return null;
  }
}
