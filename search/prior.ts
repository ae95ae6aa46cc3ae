import { checkConstraints, type Constraint } from './constraints';
import type { Distribution, ParamValue, Params, SearchSpace } from './types';

/** How far off its step a value may lie and still count as on it: rounding of decimal steps, never a real gap. */
const STEP_TOLERANCE = 1e-9;

function rangeText(dist: Extract<Distribution, { type: 'int' | 'float' }>): string {
  return `${dist.low}..${dist.high}${dist.step === undefined ? '' : ` step ${dist.step}`}`;
}

/** Why `value` is not a value of `dist`, or null when it is one (what Optuna's `_contains` checks). */
function valueProblem(name: string, dist: Distribution, value: ParamValue): string | null {
  const shown = `${name}=${JSON.stringify(value)}`;
  if (dist.type === 'categorical') return dist.choices.includes(value) ? null : `${shown} is not one of its choices`;
  if (typeof value !== 'number' || !Number.isFinite(value)) return `${shown} is not a number`;
  if (dist.type === 'int' && !Number.isInteger(value)) return `${shown} is not a whole number`;
  if (value < dist.low || value > dist.high) return `${shown} lies outside ${rangeText(dist)}`;
  const step = dist.step ?? (dist.type === 'int' ? 1 : undefined);
  if (step !== undefined) {
    const k = (value - dist.low) / step;
    if (Math.abs(k - Math.round(k)) > STEP_TOLERANCE * Math.max(1, Math.abs(k))) return `${shown} lies off the steps of ${rangeText(dist)}`;
  }
  return null;
}

/**
 * Why `params` is not a point of `space` that meets `constraints`, or null when it is one: a parameter missing
 * or extra, a value outside its range or choices or off its step, a broken constraint. A warm start takes only
 * points of the new space: a point outside it could never be proposed, and a model fed one would be misled.
 */
export function pointProblem(space: SearchSpace, constraints: readonly Constraint[], params: Params): string | null {
  for (const name of Object.keys(space).sort()) {
    if (!Object.hasOwn(params, name)) return `${name} has no value`;
    const problem = valueProblem(name, space[name] as Distribution, params[name] as ParamValue);
    if (problem) return problem;
  }
  const extra = Object.keys(params).find((name) => !Object.hasOwn(space, name));
  if (extra !== undefined) return `${extra} is not a parameter of this space`;
  const broken = constraints.find((c) => !checkConstraints(params, [c]));
  return broken ? `it breaks the constraint "${broken.text}"` : null;
}
