import { checkConstraints, constraintNames, parseConstraint, type Constraint } from '../search/constraints';
import type { Params } from '../search/types';
import { InputError } from '../errors';
import type { MetricValues } from '../types/trial';

/**
 * A condition a trial's results must meet to be ranked, such as `max_drawdown_pct > -30` or `trades >= 20`:
 * the parameter constraints' grammar (numbers, names, `+ - * /`, parentheses, chained comparisons) over
 * metric names. Parsed, never evaluated as code.
 */
export interface ResultConstraint {
  text: string;
  /** The metrics it reads, each once. */
  metrics: string[];
  parsed: Constraint;
}

/**
 * Parses `result_constraints`, each with its index in the message.
 * @throws InputError on a syntax error, naming the constraint and the position.
 */
export function parseResultConstraints(texts: readonly string[]): ResultConstraint[] {
  return texts.map((text, i) => {
    try {
      const parsed = parseConstraint(text);
      return { text, metrics: constraintNames(parsed), parsed };
    } catch (err) {
      if (err instanceof InputError) throw new InputError(`\`result_constraints[${i}]\`: ${err.message}`);
      throw err;
    }
  });
}

/**
 * The constraints a trial's metrics break, in the order given. A metric the trial lacks, or whose value is
 * undefined, breaks every constraint that reads it: a result that cannot be checked is not trusted.
 */
export function violatedConstraints(constraints: readonly ResultConstraint[], metrics: MetricValues): ResultConstraint[] {
  const values: Params = {};
  for (const [name, value] of Object.entries(metrics)) if (typeof value === 'number' && Number.isFinite(value)) values[name] = value;
  return constraints.filter((c) => !checkConstraints(values, [c.parsed]));
}

/** Why a trial is not ranked: the first constraint it breaks, with the values it read, e.g. `violates "trades >= 20" (trades = 12)`. */
export function violationNote(constraint: ResultConstraint, metrics: MetricValues): string {
  const values = constraint.metrics.map((m) => {
    const value = Object.hasOwn(metrics, m) ? metrics[m] : null;
    return `${m} = ${typeof value === 'number' ? String(value) : 'undefined'}`;
  });
  return `not ranked: violates result constraint "${constraint.text}" (${values.join(', ')})`;
}

/** How many trials broke the result constraints: in all, and per constraint (a trial may break several). */
export interface ViolationCounts {
  trials: number;
  byConstraint: Array<{ constraint: string; trials: number }>;
}

/** Counts violations trial by trial, so a session of any size needs only a number per constraint. */
export class ViolationTally {
  private readonly perConstraint: number[];
  private trials = 0;

  constructor(private readonly constraints: readonly ResultConstraint[]) {
    this.perConstraint = constraints.map(() => 0);
  }

  /** Counts a succeeded trial's violations and returns whether it broke any. */
  offer(metrics: MetricValues): boolean {
    const broken = violatedConstraints(this.constraints, metrics);
    if (broken.length === 0) return false;
    this.trials += 1;
    for (const c of broken) this.perConstraint[this.constraints.indexOf(c)] += 1;
    return true;
  }

  counts(): ViolationCounts {
    return { trials: this.trials, byConstraint: this.constraints.map((c, i) => ({ constraint: c.text, trials: this.perConstraint[i] })) };
  }
}
