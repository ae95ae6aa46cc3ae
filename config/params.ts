import { InputError } from '../errors';
import type { Distribution } from '../search/types';
import type { ParamConfig } from './schema';

/**
 * A parameter of the YAML (`params.<name>`, or a tuned broker setting at `where`) as a search-space distribution.
 * A range without `type` is `int` when its bounds and step are whole, unless `numericType` says what it is.
 */
export function toDistribution(where: string, p: ParamConfig, file: string, numericType?: 'int' | 'float'): Distribution {
  if (Array.isArray(p)) return { type: 'categorical', choices: p };
  if ('choices' in p) return { type: 'categorical', choices: p.choices };
  const allInts = [p.low, p.high, p.step ?? 1].every(Number.isInteger);
  const type = p.type ?? numericType ?? (allInts ? 'int' : 'float');
  if (type === 'int' && !allInts) {
    throw new InputError(`${file}: \`${where}\`: an int parameter needs whole low, high and step, got low=${p.low} high=${p.high} step=${p.step ?? 1}.`);
  }
  return { type, low: p.low, high: p.high, ...(p.step !== undefined ? { step: p.step } : {}), ...(p.log ? { log: true } : {}) };
}
