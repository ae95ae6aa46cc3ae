import fs from 'node:fs';
import path from 'node:path';
import { generateBars, loadCsv, runBacktest, type Bars } from '../../../backtest';
import type { Direction, Params, SearchSpace } from '../../../search';
import { PROJECT_ROOT } from '../../../services/paths';
import { FUNCTIONS, pointOf, spaceOf } from './functions';

/** One benchmark objective as both sides see it. */
export interface Objective {
  name: string;
  label: string;
  space: SearchSpace;
  constraints: string[];
  direction: Direction;
  /** The best value there is, for the regret. */
  optimum: number;
  evaluate(params: Params): number;
  /** For Optuna: the objective as a table of every feasible point (finite spaces only). */
  table: { fast: [number, number]; slow: [number, number]; points: [number, number, number][]; worst: number } | null;
}

export function testFunctions(): Objective[] {
  return FUNCTIONS.map((fn) => ({
    name: fn.name,
    label: fn.label,
    space: spaceOf(fn),
    constraints: [],
    direction: 'minimize',
    optimum: fn.minimum,
    evaluate: (params) => fn.f(pointOf(fn, params)),
    table: null,
  }));
}

const FAST: [number, number] = [2, 60];
const SLOW: [number, number] = [5, 250];

/**
 * SMA crossover Sharpe ratio over fast 2..60 x slow 5..250 with `fast < slow`, enumerated once so that the
 * optimum is exact and Optuna can score the same values from a table. Uses the shipped daily series when it
 * exists, else a seeded synthetic one (said in the report).
 */
export function backtestObjective(): { objective: Objective; data: string } {
  const csv = path.join(PROJECT_ROOT, 'data', 'sample_daily.csv');
  const bars: Bars = fs.existsSync(csv)
    ? loadCsv(csv)
    : generateBars({ seed: 7, bars: 2500, interval: '1d', weekends: false, start: '2012-01-02', mu: 0.08, sigma: 0.25, startPrice: 100 });
  const data = fs.existsSync(csv) ? 'data/sample_daily.csv' : 'a synthetic GBM daily series (seed 7, 2,500 bars): data/sample_daily.csv was not there yet';
  const points: [number, number, number][] = [];
  for (let fast = FAST[0]; fast <= FAST[1]; fast++) {
    for (let slow = Math.max(SLOW[0], fast + 1); slow <= SLOW[1]; slow++) {
      const { sharpe } = runBacktest(bars, 'sma_crossover', { fast, slow }, { cash: 10_000, commission: 0.002 }).metrics;
      points.push([fast, slow, Number.isFinite(sharpe) ? sharpe : NaN]);
    }
  }
  const finite = points.map((p) => p[2]).filter(Number.isFinite);
  const worst = Math.min(...finite);
  for (const p of points) if (!Number.isFinite(p[2])) p[2] = worst;
  const lookup = new Map(points.map(([f, s, v]) => [f * 1000 + s, v]));
  const objective: Objective = {
    name: 'sma_sharpe',
    label: 'SMA crossover Sharpe',
    space: { fast: { type: 'int', low: FAST[0], high: FAST[1] }, slow: { type: 'int', low: SLOW[0], high: SLOW[1] } },
    constraints: ['fast < slow'],
    direction: 'maximize',
    optimum: Math.max(...finite),
    evaluate: (p) => lookup.get((p.fast as number) * 1000 + (p.slow as number)) ?? worst,
    table: { fast: FAST, slow: SLOW, points, worst },
  };
  return { objective, data };
}
