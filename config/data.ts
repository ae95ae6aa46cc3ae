import { loadBars, type Bars, type DataOptions } from '../backtest';
import { InputError } from '../errors';
import type { EvaluatorSpec } from '../types/session';
import { checkRegularFile } from './files';

/** Price files past this are better split or resampled than tuned on in one piece. */
const MAX_DATA_BYTES = 2 ** 31;
/** Signals fill at the next bar's open, so one bar can never trade. */
const MIN_BARS = 2;

/**
 * Loads a data file for validation, so a session never starts on missing, malformed or unusable data: the bars
 * its trials will see, in the zone and at the timeframe `options` give.
 */
export function loadDataFile(dataPath: string, where: string, options: DataOptions = {}): Bars {
  // Checks the path first: reading a FIFO or a device would wait forever.
  checkRegularFile(dataPath, `${where}: data file`, MAX_DATA_BYTES);
  const bars = loadBars(dataPath, options);
  if (bars.length < MIN_BARS) throw new InputError(`${where}: data file ${dataPath} has ${bars.length} bar; a backtest needs at least ${MIN_BARS}.`);
  return bars;
}

/** The bars a session's evaluator reads: a built-in backtest's in its zone and timeframe, an external command's as the file has them. */
export function evaluatorBars(evaluator: EvaluatorSpec): Bars {
  const options: DataOptions = evaluator.kind === 'backtest' ? { timezone: evaluator.timezone, timeframe: evaluator.timeframe } : {};
  return loadBars(evaluator.dataPath, options);
}
