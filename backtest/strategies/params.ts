import { InvalidParametersError } from '../../errors';
import { didYouMean } from '../../errors/didYouMean';
import type { ParamSpec, ParamValue, Params, StrategyDef } from './types';

/**
 * A complete, checked parameter set for `def`: defaults filled in, every value of its declared type and within
 * bounds, every constraint holding, and the warm-up shorter than the data when `barCount` is given.
 *
 * @throws InvalidParametersError naming the parameter and what it needs (unknown names get a "did you mean").
 * @example
 * resolveParams(getStrategy('sma_crossover'), { fast: 10 }, bars.length); // { fast: 10, slow: 30 }
 */
export function resolveParams(def: StrategyDef, params: Params, barCount?: number): Params {
  const fail = (message: string) => new InvalidParametersError(`${def.name}: ${message}`);
  for (const name of Object.keys(params)) {
    if (!Object.hasOwn(def.params, name)) throw fail(`unknown parameter "${name}"${didYouMean(name, Object.keys(def.params))}; it takes ${describeParams(def)}.`);
  }
  const resolved: Params = {};
  for (const [name, spec] of Object.entries(def.params)) {
    const value = name in params ? params[name] : spec.default;
    const problem = checkValue(spec, value);
    if (problem) throw fail(`${name}=${String(value)} ${problem}.`);
    resolved[name] = value;
  }
  for (const c of def.constraints ?? []) {
    if (!c.holds(resolved)) throw fail(`${c.description} must hold, got ${Object.entries(resolved).map(([k, v]) => `${k}=${String(v)}`).join(' ')}.`);
  }
  if (barCount !== undefined) {
    const lookback = def.lookback(resolved);
    if (lookback >= barCount) {
      throw fail(`these parameters need ${lookback + 1} bars before the first signal, but the data has ${barCount}; use shorter periods or more data.`);
    }
  }
  return resolved;
}

/**
 * Turns a command-line value (`--param fast=10`) into the parameter's type.
 * @throws InvalidParametersError for an unknown name or a value that does not parse.
 */
export function parseParamText(def: StrategyDef, name: string, text: string): ParamValue {
  const spec = Object.hasOwn(def.params, name) ? def.params[name] : undefined;
  if (!spec) throw new InvalidParametersError(`${def.name}: unknown parameter "${name}"${didYouMean(name, Object.keys(def.params))}; it takes ${describeParams(def)}.`);
  if (spec.type === 'categorical') {
    const match = spec.choices.find((c) => String(c) === text);
    if (match === undefined) throw new InvalidParametersError(`${def.name}: ${name} takes one of ${spec.choices.map(String).join(', ')}, got "${text}".`);
    return match;
  }
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n)) throw new InvalidParametersError(`${def.name}: ${name} takes a number, got "${text}".`);
  return n;
}

/** `fast (int 2..500, default 10), slow (...)`: for messages and `--help`. */
export function describeParams(def: StrategyDef): string {
  return Object.entries(def.params).map(([name, s]) => `${name} (${describeSpec(s)})`).join(', ');
}

function describeSpec(s: ParamSpec): string {
  if (s.type === 'categorical') return `one of ${s.choices.map(String).join('|')}, default ${String(s.default)}`;
  return `${s.type} ${s.min}..${s.max}, default ${s.default}`;
}

function checkValue(spec: ParamSpec, value: ParamValue): string | undefined {
  if (spec.type === 'categorical') return spec.choices.includes(value) ? undefined : `is not one of ${spec.choices.map(String).join(', ')}`;
  if (typeof value !== 'number' || !Number.isFinite(value)) return `must be a finite number`;
  if (spec.type === 'int' && !Number.isInteger(value)) return `must be a whole number`;
  if (value < spec.min || value > spec.max) return `must lie in ${spec.min}..${spec.max}`;
  return undefined;
}
