import { InputError } from '../errors';
import { didYouMean } from '../errors/didYouMean';

/** One algorithm setting: its type, default and allowed range. `null` defaults are computed from the space. */
export type OptionSpec =
  | { type: 'boolean'; default: boolean }
  | { type: 'number'; default: number | null; min: number; max?: number; integer?: boolean }
  | { type: 'enum'; default: string; values: readonly string[] };

export type OptionSpecs = Record<string, OptionSpec>;
export type OptionValue = boolean | number | string | null;
export type ResolvedOptions = Record<string, OptionValue>;

function check(algorithm: string, name: string, spec: OptionSpec, value: unknown): OptionValue {
  const where = `option "${name}" of ${algorithm}`;
  if (spec.type === 'boolean') {
    if (typeof value !== 'boolean') throw new InputError(`${where} must be true or false, got ${JSON.stringify(value)}`);
    return value;
  }
  if (spec.type === 'enum') {
    if (typeof value !== 'string' || !spec.values.includes(value)) {
      throw new InputError(`${where} must be one of ${spec.values.join(', ')}, got ${JSON.stringify(value)}`);
    }
    return value;
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new InputError(`${where} must be a number, got ${JSON.stringify(value)}`);
  if (spec.integer && !Number.isInteger(value)) throw new InputError(`${where} must be an integer, got ${value}`);
  if (value < spec.min || (spec.max !== undefined && value > spec.max)) {
    const range = spec.max === undefined ? `at least ${spec.min}` : `between ${spec.min} and ${spec.max}`;
    throw new InputError(`${where} must be ${range}, got ${value}`);
  }
  return value;
}

/**
 * Fills in defaults and checks every given option against its spec.
 * @throws InputError for an unknown option (with a "did you mean" hint) or a value of the wrong type or range.
 */
export function resolveOptions(algorithm: string, specs: OptionSpecs, given: Record<string, unknown> = {}): ResolvedOptions {
  const known = Object.keys(specs);
  for (const name of Object.keys(given)) {
    if (!Object.hasOwn(specs, name)) {
      const list = known.length > 0 ? `; ${algorithm} takes ${known.join(', ')}` : `; ${algorithm} takes none`;
      throw new InputError(`unknown option "${name}" for ${algorithm}${didYouMean(name, known)}${list}`);
    }
  }
  const resolved: ResolvedOptions = {};
  for (const [name, spec] of Object.entries(specs)) {
    const value = given[name];
    resolved[name] = value === undefined || value === null ? spec.default : check(algorithm, name, spec, value);
  }
  return resolved;
}
