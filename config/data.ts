import fs from 'node:fs';
import { loadCsv } from '../backtest';
import { InputError } from '../types/errors';

/** Checks that a data file exists and parses, so a session never starts on bad data. */
export function validateDataFile(dataPath: string, where: string): void {
  if (!fs.existsSync(dataPath)) throw new InputError(`${where}: data file ${dataPath} does not exist.`);
  loadCsv(dataPath);
}
