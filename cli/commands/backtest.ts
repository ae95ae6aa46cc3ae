import type { Command } from 'commander';
import path from 'node:path';
import { listStrategies, parseParamText, resolveParams, resolveStrategy, runBacktest } from '../../backtest';
import type { BacktestOptions, DataOptions, Params } from '../../backtest';
import { parseTimeframe } from '../../backtest/resample';
import { formatZonedTime, timeZone, UTC } from '../../backtest/zones';
import { BROKER_RULES, type BrokerRule } from '../../config/broker';
import { loadDataFile } from '../../config/data';
import { strategyModuleRef } from '../../config/files';
import { InputError } from '../../errors';
import { table } from '../print';

interface BacktestFlags {
  data: string;
  strategy: string;
  strategyModule?: string;
  timezone?: string;
  timeframe?: string;
  param: string[];
  cash: string;
  commission: string;
  commissionFixed?: string;
  spread?: string;
  slippage?: string;
  slippageRange?: string;
  size?: string;
  units?: string;
  stopLoss?: string;
  takeProfit?: string;
  trailingStop?: string;
  lastBarEntries: boolean;
  json?: boolean;
}

/** `tuneflow backtest`: one backtest of one parameter set, printed as a table or as one JSON object. */
export function registerBacktestCommand(program: Command): void {
  program
    .command('backtest')
    .description('run one backtest and print its statistics')
    .requiredOption('--data <file>', 'OHLCV CSV or Parquet file (Date,Open,High,Low,Close[,Volume])')
    .option('--timezone <zone>', 'zone of the data, e.g. Europe/Berlin: naive times are read in it, days of the statistics are its days')
    .option('--timeframe <rule>', 'resample to bars of this length first: 15min, 4h, 1d, 1w')
    .requiredOption('--strategy <name>', `strategy: ${listStrategies().map((s) => s.name).join(', ')}`)
    .option('--strategy-module <file>', 'TypeScript or JavaScript module that defines the strategy')
    .option('--param <name=value>', 'strategy parameter; repeat for each', (v: string, acc: string[]) => [...acc, v], [])
    .option('--cash <amount>', 'starting cash', '10000')
    .option('--commission <fraction>', 'commission per fill as a fraction of traded value', '0')
    .option('--commission-fixed <cash>', 'commission per fill in cash, added to --commission')
    .option('--spread <fraction>', 'bid-ask spread: longs enter this fraction above the price, shorts below, e.g. 0.0002')
    .option('--slippage <amount>', 'market and stop fills slip this price amount against the trade')
    .option('--slippage-range <share>', "market and stop fills slip this share of the bar's high - low, e.g. 0.1")
    .option('--size <fraction>', 'share of cash each entry commits (default: all in)')
    .option('--units <n>', 'whole units each entry buys or sells, instead of --size')
    .option('--stop-loss <fraction>', 'stop-loss distance from the signal close, e.g. 0.05')
    .option('--take-profit <fraction>', 'take-profit distance from the signal close, e.g. 0.1')
    .option('--trailing-stop <fraction>', 'trailing stop distance from each close, e.g. 0.03')
    .option('--no-last-bar-entries', "open nothing on the last bar (backtesting.py fills a signal there at the last open)")
    .option('--json', 'print one JSON object: every metric (null where undefined) and the parameters')
    .action((flags: BacktestFlags) => {
      const strategyModule = flags.strategyModule ? strategyModuleRef(path.resolve(flags.strategyModule), '--strategy-module: strategy module') : undefined;
      const def = resolveStrategy(flags.strategy, strategyModule);
      const bars = loadDataFile(path.resolve(flags.data), '--data', dataOptions(flags));
      const given: Params = {};
      for (const pair of flags.param) {
        const eq = pair.indexOf('=');
        if (eq <= 0) throw new InputError(`--param takes name=value, got "${pair}".`);
        given[pair.slice(0, eq)] = parseParamText(def, pair.slice(0, eq), pair.slice(eq + 1));
      }
      const params = resolveParams(def, given, bars.length);
      const optional = (flag: string, text: string | undefined, rule: BrokerRule) => (text === undefined ? undefined : brokerValue(flag, text, rule));
      const slippage = { fixed: optional('--slippage', flags.slippage, BROKER_RULES.slippageFixed), range: optional('--slippage-range', flags.slippageRange, BROKER_RULES.slippageRange) };
      if (flags.size !== undefined && flags.units !== undefined) throw new InputError('give --size (a share of cash) or --units (whole units), not both.');
      const options: BacktestOptions = {
        cash: number('--cash', flags.cash),
        commission: brokerValue('--commission', flags.commission, BROKER_RULES.commission),
        commissionFixed: optional('--commission-fixed', flags.commissionFixed, BROKER_RULES.commissionFixed),
        spread: optional('--spread', flags.spread, BROKER_RULES.spread),
        slippage: slippage.fixed === undefined && slippage.range === undefined ? undefined : slippage,
        sizeFraction: optional('--size', flags.size, BROKER_RULES.sizeFraction),
        sizeUnits: optional('--units', flags.units, BROKER_RULES.sizeUnits),
        stopLoss: optional('--stop-loss', flags.stopLoss, BROKER_RULES.stopLoss),
        takeProfit: optional('--take-profit', flags.takeProfit, BROKER_RULES.takeProfit),
        trailingStop: optional('--trailing-stop', flags.trailingStop, BROKER_RULES.trailingStop),
        lastBarEntries: flags.lastBarEntries,
      };
      const { metrics } = runBacktest(bars, def, params, options);
      const values = Object.fromEntries(Object.entries(metrics).map(([k, v]) => [k, Number.isFinite(v) ? v : null]));
      if (flags.json) {
        console.log(JSON.stringify({ ...values, params }));
        return;
      }
      const zone = bars.timezone ? timeZone(bars.timezone) : UTC;
      const span = `${formatZonedTime(bars.time[0], zone)} to ${formatZonedTime(bars.time[bars.length - 1], zone)}`;
      const paramText = Object.entries(params).map(([k, v]) => `${k}=${String(v)}`).join(' ');
      const barsText = `${bars.length}${flags.timeframe ? ` ${flags.timeframe}` : ''} bars${bars.timezone ? ` in ${bars.timezone}` : ''}`;
      console.log(`${def.name} ${paramText} on ${flags.data}: ${barsText}, ${span}; ${describeBroker(options)}`);
      console.log(table(['metric', 'value'], Object.entries(values)));
    });
}

/** The broker settings of a run as the flags that set them, for its heading. */
function describeBroker(o: BacktestOptions): string {
  const parts: Array<[string, number | undefined]> = [
    ['cash', o.cash], ['commission', o.commission], ['commission-fixed', o.commissionFixed], ['spread', o.spread],
    ['slippage', o.slippage?.fixed], ['slippage-range', o.slippage?.range], ['size', o.sizeFraction], ['units', o.sizeUnits],
    ['stop-loss', o.stopLoss], ['take-profit', o.takeProfit], ['trailing-stop', o.trailingStop],
  ];
  return parts.filter(([, v]) => v !== undefined).map(([name, v]) => `${name} ${v}`).join(', ');
}

/** The zone and timeframe flags, each checked and named in its message. */
function dataOptions(flags: BacktestFlags): DataOptions {
  const options: DataOptions = {};
  if (flags.timezone !== undefined) options.timezone = flagValue('--timezone', () => timeZone(flags.timezone!).name);
  if (flags.timeframe !== undefined) options.timeframe = flagValue('--timeframe', () => parseTimeframe(flags.timeframe!).text);
  return options;
}

function flagValue(flag: string, parse: () => string): string {
  try {
    return parse();
  } catch (err) {
    if (err instanceof InputError) throw new InputError(`${flag}: ${err.message}`);
    throw err;
  }
}

function brokerValue(flag: string, text: string, rule: BrokerRule): number {
  const n = number(flag, text);
  if (!rule.ok(n)) throw new InputError(`${flag} takes ${rule.needs}, got ${text}.`);
  return n;
}

function number(flag: string, text: string): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n)) throw new InputError(`${flag} takes a number, got "${text}".`);
  return n;
}
