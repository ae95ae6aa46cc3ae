import { InputError } from '../errors';
import { checkConstraints, constraintNames, parseConstraint, type Constraint } from './constraints';
import { didYouMean } from '../errors/didYouMean';
import { Prng } from './prng';
import { Space } from './space';
import type { Distribution, SearchSpace } from './types';

/** Finite spaces up to this many points are enumerated to count their feasible points. */
export const ENUMERATE_LIMIT = 2 ** 20;
/** Uniform draws before a space is declared to have no feasible point. */
export const FEASIBILITY_DRAWS = 20_000;

function checkDistribution(name: string, dist: Distribution): void {
  const where = `for parameter "${name}"`;
  if (dist === null || typeof dist !== 'object') throw new InputError(`a distribution must be an object ${where}`);
  if (dist.type === 'categorical') {
    if (!Array.isArray(dist.choices) || dist.choices.length === 0) throw new InputError(`categorical needs at least one choice ${where}`);
    const seen = new Set<unknown>();
    for (const c of dist.choices) {
      if (!['number', 'string', 'boolean'].includes(typeof c)) throw new InputError(`choices must be numbers, strings or booleans, got ${JSON.stringify(c)} ${where}`);
      if (seen.has(c)) throw new InputError(`choices must be distinct, got ${JSON.stringify(c)} twice ${where}`);
      seen.add(c);
    }
    return;
  }
  if (dist.type !== 'int' && dist.type !== 'float') {
    throw new InputError(`unknown type ${JSON.stringify((dist as { type: unknown }).type)} ${where} (expected int, float or categorical)`);
  }
  const { low, high, step, log } = dist;
  if (!Number.isFinite(low) || !Number.isFinite(high)) throw new InputError(`low and high must be finite numbers, got low=${low} high=${high} ${where}`);
  if (!(low <= high)) throw new InputError(`low <= high must hold, got low=${low} high=${high} ${where}`);
  if (dist.type === 'int' && (!Number.isInteger(low) || !Number.isInteger(high))) {
    throw new InputError(`int bounds must be integers, got low=${low} high=${high} ${where}`);
  }
  if (step !== undefined) {
    if (!Number.isFinite(step) || step <= 0) throw new InputError(`step must be positive, got step=${step} ${where}`);
    if (dist.type === 'int' && !Number.isInteger(step)) throw new InputError(`int step must be an integer, got step=${step} ${where}`);
  }
  if (log) {
    if (low <= 0) throw new InputError(`log scale needs low > 0, got low=${low} ${where}`);
    if (step !== undefined && !(dist.type === 'int' && step === 1)) throw new InputError(`step and log cannot be combined, got step=${step} ${where}`);
  }
}

/** Parses the constraints and checks that they only name numeric parameters of the space. */
export function compileConstraints(space: SearchSpace, texts: readonly string[] = []): Constraint[] {
  const names = Object.keys(space);
  return texts.map((text) => {
    if (typeof text !== 'string') throw new InputError(`a constraint must be a string, got ${JSON.stringify(text)}`);
    const constraint = parseConstraint(text);
    for (const name of constraintNames(constraint)) {
      const dist = space[name];
      if (!dist) throw new InputError(`constraint "${text}" names unknown parameter "${name}"${didYouMean(name, names)}`);
      if (dist.type === 'categorical' && !dist.choices.every((c) => typeof c === 'number')) {
        throw new InputError(`constraint "${text}" uses "${name}", whose choices are not all numbers`);
      }
    }
    return constraint;
  });
}

/**
 * Counts the feasible points of a finite space of at most `limit` points by enumeration;
 * null when the space is continuous or larger.
 */
export function countFeasible(space: Space, constraints: readonly Constraint[], limit = ENUMERATE_LIMIT): number | null {
  if (space.size === null || space.size > limit) return null;
  if (constraints.length === 0) return space.size;
  let count = 0;
  for (let i = 0; i < space.size; i++) if (checkConstraints(space.at(i), constraints)) count++;
  return count;
}

/** Whether any point satisfies the constraints: by enumeration when small, else by seeded uniform draws. */
function hasFeasiblePoint(space: Space, constraints: readonly Constraint[]): boolean {
  const count = countFeasible(space, constraints);
  if (count !== null) return count > 0;
  const rng = Prng.fromSeed(0);
  for (let i = 0; i < FEASIBILITY_DRAWS; i++) if (checkConstraints(space.decode(space.uniform(rng)), constraints)) return true;
  return false;
}

/**
 * Checks a search space and its constraints before a session starts.
 * @throws InputError naming the parameter and the fix, e.g.
 *   `low <= high must hold, got low=5 high=1 for parameter "fast"`, an unknown name in a constraint
 *   (with a "did you mean" hint), or constraints that leave no feasible point
 *   (enumerated for spaces up to 2^20 points, else 20,000 seeded draws found none).
 */
export function validateSpace(space: SearchSpace, constraints: readonly string[] = []): void {
  if (space === null || typeof space !== 'object' || Object.keys(space).length === 0) {
    throw new InputError('the search space is empty: give at least one parameter');
  }
  for (const [name, dist] of Object.entries(space)) checkDistribution(name, dist);
  const parsed = compileConstraints(space, constraints);
  if (parsed.length > 0 && !hasFeasiblePoint(new Space(space), parsed)) {
    throw new InputError(`no point of the search space satisfies the constraints ${parsed.map((c) => `"${c.text}"`).join(', ')}`);
  }
}

/**
 * Number of points a grid search visits: the feasible points of a finite space; null when a parameter is
 * continuous (a float without step).
 * @throws InputError when the space is invalid, or constrained and larger than 2^22 points (too many to count).
 */
export function gridSize(space: SearchSpace, constraints: readonly string[] = []): number | null {
  validateSpace(space, constraints);
  const compiled = new Space(space);
  if (compiled.dims.some((d) => d.kind === 'continuous')) return null;
  const total = compiled.dims.reduce((n, d) => n * d.size, 1);
  if (constraints.length === 0) return total;
  const count = countFeasible(compiled, compileConstraints(space, constraints), 2 ** 22);
  if (count === null) throw new InputError(`the constrained grid has ${total} points, too many to count; use random or tpe instead`);
  return count;
}
