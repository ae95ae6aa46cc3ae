import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { formatCsv, generateBars, type Bars } from '../../backtest';

/**
 * A throw-away folder with a daily CSV and a campaign YAML pointing at it: `series` when given, else a
 * geometric random walk with drift `mu` (0.1 a year unless given).
 */
export function makeCampaign(yamlBody: string, opts: { bars?: number; seed?: number; mu?: number; series?: Bars } = {}): { dir: string; config: string; data: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tuneflow-test-'));
  const data = path.join(dir, 'prices.csv');
  const bars = opts.series ??
    generateBars({ seed: opts.seed ?? 7, bars: opts.bars ?? 600, interval: '1d', weekends: false, start: '2015-01-05', mu: opts.mu ?? 0.1, sigma: 0.3, startPrice: 100 });
  fs.writeFileSync(data, formatCsv(bars));
  const config = path.join(dir, 'campaign.yaml');
  fs.writeFileSync(config, `data: prices.csv\noutput:\n  dir: ${path.join(dir, 'outputs')}\n${yamlBody}`);
  return { dir, config, data };
}

/** The SMA grid most tests tune: fast 5..25 step 5 × slow 10..60 step 10 with fast < slow (24 trials). */
export const SMA_GRID = `strategy: sma_crossover
backtest: { cash: 10000, commission: 0.002 }
params:
  fast: { type: int, low: 5, high: 25, step: 5 }
  slow: { type: int, low: 10, high: 60, step: 10 }
constraints: ["fast < slow"]
objective: sharpe
`;

/** A small SMA space for walk-forward tests: fast 5..20 step 5 × slow 20..60 step 20 with fast < slow (12 points). */
export const SMA_SPLITS = `strategy: sma_crossover
backtest: { cash: 10000, commission: 0.001 }
params:
  fast: { type: int, low: 5, high: 20, step: 5 }
  slow: { type: int, low: 20, high: 60, step: 20 }
constraints: ["fast < slow"]
objective: sharpe
`;

/**
 * An SMA crossover campaign over integer ranges with fast < slow: `fast` and `slow` as [low, high], the rest of
 * the YAML (a `search:` line, say) appended as given.
 */
export function smaSpace(opts: { fast: [number, number]; slow: [number, number]; commission?: number; objective?: string; rest?: string }): string {
  return `strategy: sma_crossover
backtest: { cash: 10000, commission: ${opts.commission ?? 0.002} }
params:
  fast: { type: int, low: ${opts.fast[0]}, high: ${opts.fast[1]} }
  slow: { type: int, low: ${opts.slow[0]}, high: ${opts.slow[1]} }
constraints: ["fast < slow"]
objective: ${opts.objective ?? 'sharpe'}
${opts.rest ?? ''}`;
}
