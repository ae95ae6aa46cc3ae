import { InputError } from '../../types/errors';
import { loadStrategyModule } from './module';
import { describeParams, didYouMean } from './params';
import { getStrategy } from './registry';

/**
 * Checks that a campaign's parameter names belong to the strategy, loading its module first when given.
 * Runs when a config is loaded, so that a typo fails before any trial starts.
 * @throws InputError for an unknown strategy or parameter, or a module that does not load.
 */
export function checkStrategyParams(strategy: string, paramNames: readonly string[], strategyModule?: string): void {
  if (strategyModule !== undefined) loadStrategyModule(strategyModule);
  const def = getStrategy(strategy);
  for (const name of paramNames) {
    if (!(name in def.params)) {
      throw new InputError(`Strategy ${def.name} has no parameter "${name}"${didYouMean(name, Object.keys(def.params))}; it takes ${describeParams(def)}.`);
    }
  }
}
