import { InputError } from '../errors';
import type { Distribution, SearchSpace } from '../search/types';
import type { BacktestEvaluatorSpec, BrokerSettingName, BrokerValue } from '../types/session';
import { toDistribution } from './params';
import type { BacktestConfig, ParamConfig } from './schema';

/** The broker settings of a backtest spec, as YAML `backtest:` gives them. */
export type BrokerFields = Pick<BacktestEvaluatorSpec, 'commission' | BrokerSettingName>;

/** What a broker setting's values must be; `whole` settings are tuned as int parameters. */
export interface BrokerRule {
  ok: (v: number) => boolean;
  needs: string;
  whole?: boolean;
}

/** The values each broker setting takes, under the engine's option names: one rule for YAML and command-line flags. */
export const BROKER_RULES = {
  commission: { ok: (v) => v >= -0.1 && v < 0.1, needs: 'a fraction of traded value in [-0.1, 0.1) (0.001 is 0.1 %; below 0 a rebate)' },
  commissionFixed: { ok: (v) => v >= 0 && Number.isFinite(v), needs: 'an amount of cash per fill, 0 or more' },
  spread: { ok: (v) => v >= 0 && v < 0.1, needs: 'a fraction of the price in [0, 0.1) (0.0002 is 2 basis points)' },
  slippageFixed: { ok: (v) => v >= 0 && Number.isFinite(v), needs: 'a price amount, 0 or more' },
  slippageRange: { ok: (v) => v >= 0 && v <= 1, needs: "a share of the bar's high - low in [0, 1]" },
  sizeFraction: { ok: (v) => v > 0 && v <= 1, needs: 'a share of cash in (0, 1] (1 is all in)' },
  sizeUnits: { ok: (v) => Number.isInteger(v) && v >= 1, needs: 'a whole number of units, 1 or more', whole: true },
  stopLoss: { ok: (v) => v > 0 && v < 1, needs: "a distance from the signal bar's close as a fraction in (0, 1) (0.05 is 5 %)" },
  takeProfit: { ok: (v) => v > 0 && Number.isFinite(v), needs: "a distance from the signal bar's close as a positive fraction (0.1 is 10 %)" },
  trailingStop: { ok: (v) => v > 0 && v < 1, needs: 'a distance from each close as a fraction in (0, 1)' },
} satisfies Record<string, BrokerRule>;

/**
 * The broker settings of YAML `backtest:` for a session's spec, and the search-space parameters of those it tunes.
 * A tuned setting is a parameter named after its key path (`stop_loss`, `commission_fixed`, `size_units`, ...),
 * which constraints can name and results list like any other; only the broker reads it.
 * @throws InputError naming the key, what its values must be and the value that is not.
 */
export function brokerFields(backtest: BacktestConfig, file: string): { fields: BrokerFields; space: SearchSpace } {
  const space: SearchSpace = {};
  const setting = (path: string, value: number | ParamConfig, rule: BrokerRule): BrokerValue => {
    const where = `backtest.${path}`;
    const bad = (got: string): never => {
      throw new InputError(`${file}: \`${where}\`: expected ${rule.needs}, got ${got}.`);
    };
    if (typeof value === 'number') {
      if (!rule.ok(value)) bad(String(value));
      return value;
    }
    const distribution = toDistribution(where, value, file, rule.whole ? 'int' : 'float');
    checkValues(distribution, rule, bad);
    const name = path.replace(/\./g, '_');
    space[name] = distribution;
    return { param: name };
  };

  const { commission, spread, slippage, size, stop_loss: stopLoss, take_profit: takeProfit, trailing_stop: trailingStop } = backtest;
  const fields: BrokerFields = { commission: 0 };
  if (isParts(commission, ['relative', 'fixed'])) {
    if (commission.relative === undefined && commission.fixed === undefined) {
      throw new InputError(`${file}: \`backtest.commission\`: give \`relative\` (a fraction of traded value), \`fixed\` (cash per fill) or both.`);
    }
    if (commission.relative !== undefined) fields.commission = setting('commission.relative', commission.relative, BROKER_RULES.commission);
    if (commission.fixed !== undefined) fields.commissionFixed = setting('commission.fixed', commission.fixed, BROKER_RULES.commissionFixed);
  } else {
    fields.commission = setting('commission', commission, BROKER_RULES.commission);
  }
  if (spread !== undefined) fields.spread = setting('spread', spread, BROKER_RULES.spread);
  if (slippage !== undefined) {
    if (slippage.fixed === undefined && slippage.range === undefined) {
      throw new InputError(`${file}: \`backtest.slippage\`: give \`fixed\` (a price amount per fill), \`range\` (a share of the bar's high - low) or both.`);
    }
    fields.slippage = {
      ...(slippage.fixed !== undefined ? { fixed: setting('slippage.fixed', slippage.fixed, BROKER_RULES.slippageFixed) } : {}),
      ...(slippage.range !== undefined ? { range: setting('slippage.range', slippage.range, BROKER_RULES.slippageRange) } : {}),
    };
  }
  if (size !== undefined) {
    if (isParts(size, ['units'])) fields.sizeUnits = setting('size.units', size.units, BROKER_RULES.sizeUnits);
    else fields.sizeFraction = setting('size', size, BROKER_RULES.sizeFraction);
  }
  if (stopLoss !== undefined) fields.stopLoss = setting('stop_loss', stopLoss, BROKER_RULES.stopLoss);
  if (takeProfit !== undefined) fields.takeProfit = setting('take_profit', takeProfit, BROKER_RULES.takeProfit);
  if (trailingStop !== undefined) fields.trailingStop = setting('trailing_stop', trailingStop, BROKER_RULES.trailingStop);
  return { fields, space };
}

/** The YAML keys of broker settings beyond cash and a fixed relative commission: what only the built-in engine reads. */
export function engineOnlyKeys(backtest: BacktestConfig): string[] {
  const keys = (['spread', 'slippage', 'size', 'stop_loss', 'take_profit', 'trailing_stop'] as const).filter((k) => backtest[k] !== undefined);
  return typeof backtest.commission === 'number' ? keys : ['commission', ...keys];
}

/** Whether a setting is given as its named parts (`{ relative, fixed }`, `{ units }`) rather than as a value or a parameter. */
function isParts<K extends string>(value: unknown, parts: K[]): value is Partial<Record<K, number | ParamConfig>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).every((k) => (parts as string[]).includes(k));
}

function checkValues(d: Distribution, rule: BrokerRule, bad: (got: string) => never): void {
  if (d.type === 'categorical') {
    const wrong = d.choices.find((c) => typeof c !== 'number' || !rule.ok(c));
    if (wrong !== undefined) bad(`the choice ${JSON.stringify(wrong)}`);
    return;
  }
  if (!rule.ok(d.low)) bad(`low=${d.low}`);
  if (!rule.ok(d.high)) bad(`high=${d.high}`);
}
