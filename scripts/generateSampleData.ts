/**
 * Writes data/sample_daily.csv, the series the quickstart tunes on: about eight years of weekday bars with a
 * level and volatility like GOOG's in 2004-2013. Reproducible: the same seed gives the same file.
 *
 *   npx tsc -p tsconfig.json && node dist/scripts/generateSampleData.js
 */
import fs from 'node:fs';
import path from 'node:path';
import { formatCsv, generateBars } from '../backtest';

const ROOT = path.resolve(__dirname, '..', '..');
const target = path.join(ROOT, 'data', 'sample_daily.csv');

const bars = generateBars({
  seed: 20040819,
  bars: 2000,
  interval: '1d',
  weekends: false,
  start: '2005-01-03',
  mu: 0.25,
  sigma: 0.35,
  startPrice: 100,
});
fs.mkdirSync(path.dirname(target), { recursive: true });
fs.writeFileSync(target, formatCsv(bars));
console.log(`Wrote ${bars.length} bars to ${path.relative(ROOT, target)}.`);
