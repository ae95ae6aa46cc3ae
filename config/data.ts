import fs from 'node:fs';
import { loadCsv, type Bars } from '../backtest';
import { InputError } from '../types/errors';

/** Loads a data file for validation, so a session never starts on missing or malformed data. */
export function loadDataFile(dataPath: string, where: string): Bars {
  if (!fs.existsSync(dataPath)) throw new InputError(`${where}: data file ${dataPath} does not exist.`);
  return loadCsv(dataPath);
}
