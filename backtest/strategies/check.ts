import { InputError } from '../../errors';
import { resolveStrategy, type StrategyModuleRef } from './moduleRef';
import { didYouMean } from '../../errors/didYouMean';
import { describeParams } from './params';

/**
 * Checks that a campaign's parameter names belong to the strategy, loading its module first when given.
 * Runs when a config is loaded, so that a typo fails before any trial starts.
 * @throws InputError for an unknown strategy or parameter, or a module that does not load.
 */
export function checkStrategyParams(strategy: string, paramNames: readonly string[], strategyModule?: StrategyModuleRef): void {
  const def = resolveStrategy(strategy, strategyModule);
  for (const name of paramNames) {
    if (!Object.hasOwn(def.params, name)) {
      throw new InputError(`Strategy ${def.name} has no parameter "${name}"${didYouMean(name, Object.keys(def.params))}; it takes ${describeParams(def)}.`);
    }
  }
}
