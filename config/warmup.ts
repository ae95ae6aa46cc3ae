import { resolveParams, resolveStrategy, type StrategyModuleRef } from '../backtest';
import type { Params, SearchSpace } from '../search/types';

/**
 * The most warm-up bars any parameter set of the space can need: the strategy's lookback at the top of
 * every numeric range (and at each categorical choice), so every walk-forward window can be given the bars
 * its indicators need before it starts.
 */
export function maxWarmup(strategy: string, space: SearchSpace, module?: StrategyModuleRef): number {
  const def = resolveStrategy(strategy, module);
  const top: Params = {};
  const categorical: Array<[string, Params[string][]]> = [];
  for (const [name, d] of Object.entries(space)) {
    if (d.type === 'categorical') categorical.push([name, d.choices]);
    else top[name] = d.high;
  }
  const candidates: Params[] = [top];
  for (const [name, choices] of categorical) {
    for (const choice of choices) candidates.push({ ...top, [name]: choice });
  }
  // Constraints may forbid the corner itself (e.g. fast < slow at fast = slow = high); each parameter at
  // its high on its own, the others at their defaults, still bounds what a constrained corner would need.
  for (const [name, value] of Object.entries(top)) candidates.push({ [name]: value });
  let warmup = 0;
  for (const params of candidates) {
    try {
      warmup = Math.max(warmup, def.lookback(resolveParams(def, params)) + 1);
    } catch {
      // An infeasible corner is never run; the other candidates bound the warm-up.
    }
  }
  return warmup;
}
