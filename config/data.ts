import { loadCsv, type Bars } from '../backtest';
import { InputError } from '../errors';
import { checkRegularFile } from './files';

/** Price files past this are better split or resampled than tuned on in one piece. */
const MAX_DATA_BYTES = 2 ** 31;
/** Signals fill at the next bar's open, so one bar can never trade. */
const MIN_BARS = 2;

/** Loads a data file for validation, so a session never starts on missing, malformed or unusable data. */
export function loadDataFile(dataPath: string, where: string): Bars {
  // Checks the path first: reading a FIFO or a device would wait forever.
  checkRegularFile(dataPath, `${where}: data file`, MAX_DATA_BYTES);
  const bars = loadCsv(dataPath);
  if (bars.length < MIN_BARS) throw new InputError(`${where}: data file ${dataPath} has ${bars.length} bar; a backtest needs at least ${MIN_BARS}.`);
  return bars;
}
