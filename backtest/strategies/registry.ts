import { InputError } from '../../errors';
import { BUILTIN_STRATEGIES } from './builtin';
import { didYouMean } from '../../errors/didYouMean';
import type { StrategyDef } from './types';
import { validateStrategyDef } from './validate';

const builtins = new Map(BUILTIN_STRATEGIES.map((s) => [s.name, s]));
const registry = new Map<string, StrategyDef>(builtins);

/**
 * Adds a strategy under its name, or replaces an earlier user strategy of that name (a reloaded module).
 * @throws InputError when the definition is malformed or its name is a built-in's.
 */
export function registerStrategy(def: StrategyDef): StrategyDef {
  validateStrategyDef(def, 'registerStrategy');
  if (builtins.has(def.name) && builtins.get(def.name) !== def) {
    throw new InputError(`registerStrategy: "${def.name}" is a built-in strategy; choose another name.`);
  }
  registry.set(def.name, def);
  return def;
}

/**
 * The registered strategy called `name`.
 * @throws InputError listing the known names (with a "did you mean") when there is none.
 */
export function getStrategy(name: string): StrategyDef {
  const def = registry.get(name);
  if (!def) {
    const names = [...registry.keys()].sort();
    throw new InputError(`Unknown strategy "${name}"${didYouMean(name, names)}; known strategies: ${names.join(', ')}.`);
  }
  return def;
}

/** Every registered strategy, by name. */
export function listStrategies(): StrategyDef[] {
  return [...registry.values()].sort((a, b) => a.name.localeCompare(b.name));
}
