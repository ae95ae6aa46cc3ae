import type { BacktestOptions } from '../backtest';
import { InvalidParametersError } from '../errors';
import type { Params } from '../search/types';
import { BROKER_SETTINGS, type BacktestEvaluatorSpec, type BrokerSettingName, type BrokerValue } from '../types/session';

/** The broker settings of a spec that hold one value (slippage holds two), under the engine's option names. */
const SINGLE = BROKER_SETTINGS.filter((name): name is Exclude<BrokerSettingName, 'slippage'> => name !== 'slippage');

/** What one trial of a session backtests: the strategy's own parameters and the engine's options. */
export interface TrialBacktest {
  params: Params;
  options: BacktestOptions;
}

/**
 * Splits a trial's parameters into the strategy's and the broker's: a setting the session tunes (`{ param }` in
 * its spec) takes the trial's value of that parameter, which the strategy never sees. A spec written before
 * `lastBarEntries` existed lacks it, and its trials keep the behaviour they started with: nothing opens on the
 * last bar. New specs always carry it (the configuration loader writes YAML's `backtest.last_bar_entries`).
 * @throws InvalidParametersError when a tuned setting's parameter is missing or not a number.
 */
export function trialBacktest(spec: BacktestEvaluatorSpec, params: Params, window: BacktestOptions['window']): TrialBacktest {
  const strategyParams: Params = { ...params };
  const value = (setting: BrokerValue): number => {
    if (typeof setting === 'number') return setting;
    const v = params[setting.param];
    if (typeof v !== 'number') throw new InvalidParametersError(`broker setting "${setting.param}" needs a number, got ${JSON.stringify(v ?? null)}.`);
    delete strategyParams[setting.param];
    return v;
  };
  const options: BacktestOptions = { cash: spec.cash, commission: value(spec.commission), lastBarEntries: spec.lastBarEntries ?? false, window };
  for (const name of SINGLE) {
    const setting = spec[name];
    if (setting !== undefined) options[name] = value(setting);
  }
  if (spec.slippage) {
    const { fixed, range } = spec.slippage;
    options.slippage = { ...(fixed !== undefined ? { fixed: value(fixed) } : {}), ...(range !== undefined ? { range: value(range) } : {}) };
  }
  return { params: strategyParams, options };
}

/** The parameters of a spec's search space that set broker settings rather than the strategy's. */
export function brokerParamNames(spec: BacktestEvaluatorSpec): string[] {
  const settings: Array<BrokerValue | undefined> = [spec.commission, ...SINGLE.map((name) => spec[name]), spec.slippage?.fixed, spec.slippage?.range];
  return settings.flatMap((s) => (typeof s === 'object' ? [s.param] : []));
}
