import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TrialInput } from '../../evaluators/index';
import { formatCsv, generateBars, moduleRef, type Bars } from '../../backtest';
import type { Params } from '../../search/types';

export interface PoolFixture {
  dir: string;
  bars: Bars;
  dataPath: string;
  /** A user strategy module, `pool_probe`: `hog: 1` allocates heap without end, `spinMs` keeps the CPU busy. */
  probeModule: string;
}

const PROBE = `
exports.strategy = {
  name: 'pool_probe',
  description: 'Test strategy: exhausts the heap or burns CPU on demand, never trades.',
  params: {
    hog: { type: 'int', default: 0, min: 0, max: 1, description: '1: allocate heap until the thread dies' },
    spinMs: { type: 'int', default: 0, min: 0, max: 3600000, description: 'busy-wait this long' },
  },
  lookback: () => 0,
  signals: (_indicators, p) => {
    const kept = [];
    while (p.hog === 1) kept.push(new Array(100000).fill(kept.length));
    const until = Date.now() + p.spinMs;
    while (Date.now() < until);
  },
};
`;

export function makePoolFixture(): PoolFixture {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tuneflow-pool-'));
  const bars = generateBars({ seed: 11, bars: 1500, interval: '1d', weekends: false, start: '2012-01-02', mu: 0.1, sigma: 0.25, startPrice: 50 });
  const dataPath = path.join(dir, 'bars.csv');
  fs.writeFileSync(dataPath, formatCsv(bars));
  const probeModule = path.join(dir, 'probe.js');
  fs.writeFileSync(probeModule, PROBE);
  return { dir, bars, dataPath, probeModule };
}

export function trial(fx: PoolFixture, trialId: number, strategy: string, params: Params): TrialInput {
  return {
    sessionId: 'pool-test',
    trialId,
    params,
    evaluator: {
      kind: 'backtest',
      dataPath: fx.dataPath,
      strategy,
      strategyModule: strategy === 'pool_probe' ? moduleRef(fx.probeModule) : undefined,
      cash: 10_000,
      commission: 0.002,
      lastBarEntries: true,
    },
    objective: { metric: 'sharpe', direction: 'maximize' },
  };
}

export const never = new AbortController().signal;
