import { InputError } from '../../errors';
import type { ParamSpec, Params, StrategyDef } from './types';

/**
 * Checks the shape of a strategy definition from outside the type system (a user module): names, parameter
 * specs whose defaults lie within their bounds and satisfy the constraints, and the two functions.
 * @throws InputError naming `where` and the first problem found.
 */
export function validateStrategyDef(def: unknown, where: string): asserts def is StrategyDef {
  const fail = (message: string): never => {
    throw new InputError(`${where}: ${message}`);
  };
  if (typeof def !== 'object' || def === null) fail('a strategy must be an object with name, description, params, lookback and signals.');
  const d = def as Record<string, unknown>;
  if (d.name === undefined) fail('exports no strategy: export an object with name, description, params, lookback and signals (as `module.exports` or the default export).');
  if (typeof d.name !== 'string' || !/^[A-Za-z][A-Za-z0-9_]*$/.test(d.name)) fail(`name must be a word such as "my_strategy", got ${JSON.stringify(d.name) ?? typeof d.name}.`);
  const name = d.name as string;
  if (typeof d.description !== 'string') fail(`${name}: description must be a string.`);
  if (typeof d.lookback !== 'function' || typeof d.signals !== 'function') fail(`${name}: lookback(params) and signals(indicators, params, out) must be functions.`);
  if (typeof d.params !== 'object' || d.params === null) fail(`${name}: params must map parameter names to specs.`);

  const defaults: Params = {};
  for (const [param, spec] of Object.entries(d.params as Record<string, unknown>)) {
    const problem = specProblem(spec);
    if (problem) fail(`${name}: parameter "${param}" ${problem}.`);
    defaults[param] = (spec as ParamSpec).default;
  }
  if (d.constraints !== undefined) {
    if (!Array.isArray(d.constraints)) fail(`${name}: constraints must be a list of { description, holds }.`);
    for (const c of d.constraints as unknown[]) {
      const ok = typeof c === 'object' && c !== null && typeof (c as Record<string, unknown>).description === 'string' && typeof (c as Record<string, unknown>).holds === 'function';
      if (!ok) fail(`${name}: each constraint needs a description string and a holds(params) function.`);
      if (!(c as { holds(p: Params): boolean }).holds(defaults)) fail(`${name}: the default parameters break "${(c as { description: string }).description}".`);
    }
  }
  const lookback = (d.lookback as (p: Params) => unknown)(defaults);
  if (typeof lookback !== 'number' || !Number.isInteger(lookback) || lookback < 0) fail(`${name}: lookback(defaults) must be a whole number >= 0, got ${String(lookback)}.`);
}

function specProblem(spec: unknown): string | undefined {
  if (typeof spec !== 'object' || spec === null) return 'needs a spec object';
  const s = spec as Record<string, unknown>;
  if (s.type === 'categorical') {
    if (!Array.isArray(s.choices) || s.choices.length === 0) return 'needs a non-empty choices list';
    return s.choices.includes(s.default) ? undefined : 'has a default that is not one of its choices';
  }
  if (s.type !== 'int' && s.type !== 'float') return `has type ${JSON.stringify(s.type)}; use "int", "float" or "categorical"`;
  const [min, max, def] = [s.min, s.max, s.default];
  if (typeof min !== 'number' || typeof max !== 'number' || typeof def !== 'number') return 'needs numeric min, max and default';
  if (!(min <= def && def <= max)) return `needs min <= default <= max, got ${min}, ${def}, ${max}`;
  if (s.type === 'int' && !Number.isInteger(def)) return 'is an int with a fractional default';
  return undefined;
}
