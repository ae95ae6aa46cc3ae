import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  Target, generateBars, getStrategy, runBacktest, runManySettled, runManyStaged, stageEnds,
  type BacktestOptions, type MetricName, type Metrics, type Params,
} from '../../backtest';
import { barsOf, scripted } from './helpers';

const bars = generateBars({ seed: 5, bars: 1600, interval: '1d', weekends: false, start: '2013-01-02', mu: 0.05, sigma: 0.35, startPrice: 100 });
const options: BacktestOptions = { cash: 10_000, commission: 0.002 };

const CASES: Array<{ strategy: string; sets: Params[] }> = [
  { strategy: 'sma_crossover', sets: [{ fast: 5, slow: 20 }, { fast: 10, slow: 60 }, { fast: 40, slow: 190 }] },
  { strategy: 'ema_crossover', sets: [{ fast: 8, slow: 21 }, { fast: 20, slow: 100 }] },
  { strategy: 'rsi_reversion', sets: [{ period: 14, lower: 30, upper: 70 }, { period: 5, lower: 20, upper: 60 }] },
  { strategy: 'bollinger_breakout', sets: [{ period: 20, k: 2 }, { period: 50, k: 1.5 }] },
  { strategy: 'macd', sets: [{ fast: 12, slow: 26, signal: 9 }, { fast: 5, slow: 35, signal: 5 }] },
  { strategy: 'donchian_breakout', sets: [{ lookback: 20 }, { lookback: 55 }] },
];

const VARIANTS: BacktestOptions[] = [options, { ...options, stopLoss: 0.05, takeProfit: 0.12 }, { ...options, sizeFraction: 0.5 }, { ...options, lastBarEntries: false }];

const METRICS = Object.keys(runBacktest(bars, 'sma_crossover', { fast: 5, slow: 20 }, options).metrics) as MetricName[];

/** Every stage's objective of every trial, running all stages, and what each trial ended with. */
function stagedAll(strategy: string, sets: Params[], o: BacktestOptions, stages: number, objective: MetricName) {
  const seen: Array<Map<number, number>> = sets.map(() => new Map());
  const results = runManyStaged(bars, strategy, sets, o, stages, objective, (trial, stage, value) => {
    seen[trial].set(stage, value);
    return true;
  });
  return { seen, results };
}

test('each stage measures exactly what a backtest ending at its end measures, and a trial run through every stage ends as the plain run', () => {
  let next = 0;
  for (const window of [undefined, { start: 400, end: 1500 }, { start: 0, end: 1600 }]) {
    for (const stages of [2, 4, 7]) {
      for (const o of VARIANTS) {
        const opts = { ...o, window };
        for (const { strategy, sets } of CASES) {
          // Every metric is some case's objective, so each one's own passes are checked against the full statistics.
          const objective = METRICS[next++ % METRICS.length];
          const { seen, results } = stagedAll(strategy, sets, opts, stages, objective);
          const plain = runManySettled(bars, strategy, sets, opts);
          const ends = stageEnds(window ?? { start: 0, end: bars.length }, stages);
          sets.forEach((params, i) => {
            const result = results[i];
            if (result instanceof Error) throw result;
            const label = `${strategy} ${JSON.stringify(params)} window ${JSON.stringify(window)} ${stages} stages, ${objective}`;
            assert.equal(result.stage, stages, label);
            assert.deepEqual(result.metrics, plain[i], `${label}: the complete trial is the plain run`);
            for (const [stage, value] of seen[i]) {
              const prefix = runBacktest(bars, strategy, params, { ...o, window: { start: window?.start ?? 0, end: ends[stage - 1] } });
              assert.equal(value, prefix.metrics[objective], `${label}, stage ${stage}`);
            }
            assert.equal(seen[i].get(stages), (plain[i] as Metrics)[objective], `${label}: the gate is told the last stage too`);
          });
        }
      }
    }
  }
});

test('a trial stopped at a stage ends with that stage\'s metrics, and the next trial on the shared buffers is unharmed', () => {
  const sets = [{ fast: 5, slow: 20 }, { fast: 10, slow: 30 }, { fast: 15, slow: 50 }];
  const window = { start: 200, end: 1600 };
  const results = runManyStaged(bars, 'sma_crossover', sets, { ...options, window }, 5, 'sharpe', (trial, stage) => !(trial === 0 && stage === 2));
  const plain = runManySettled(bars, 'sma_crossover', sets, { ...options, window });
  const stopped = results[0];
  if (stopped instanceof Error) throw stopped;
  assert.equal(stopped.stage, 2);
  const end = stageEnds(window, 5)[1];
  assert.deepEqual(stopped.metrics, runBacktest(bars, 'sma_crossover', sets[0], { ...options, window: { start: 200, end } }).metrics);
  assert.deepEqual(results.slice(1).map((r) => (r instanceof Error ? r : r.metrics)), plain.slice(1));
});

test('stages too short for the warm-up are passed over; the gate is told from the first that can trade to the last', () => {
  const asked: number[] = [];
  const [result] = runManyStaged(bars, 'sma_crossover', [{ fast: 50, slow: 200 }], options, 20, 'sharpe', (_trial, stage) => {
    asked.push(stage);
    return true;
  });
  // Stage k ends at bar 80k; a 200-bar SMA needs 201 bars, and one more to trade: stage 3 (240 bars) is the first.
  assert.deepEqual(asked, Array.from({ length: 18 }, (_, k) => k + 3));
  if (result instanceof Error) throw result;
  assert.deepEqual(result.metrics, runBacktest(bars, 'sma_crossover', { fast: 50, slow: 200 }, options).metrics);
});

test('a broker that runs out of money mid-window stays at zero in every later stage, as the plain run does', () => {
  // Short from bar 2, then the price multiplies: equity goes below zero at bar 6 and the account stops.
  const rows: [number, number, number, number][] = Array.from({ length: 24 }, (_, i) => {
    const p = i < 5 ? 100 : 100 + (i - 4) * 80;
    return [p, p + 1, p - 1, p];
  });
  const crash = barsOf(rows);
  const short = scripted({ 1: Target.Short });
  for (const stages of [2, 3, 4]) {
    const seen = new Map<number, number>();
    const [result] = runManyStaged(crash, short, [{}], options, stages, 'equity_final', (_t, stage, value) => {
      seen.set(stage, value);
      return true;
    });
    if (result instanceof Error) throw result;
    assert.deepEqual(result.metrics, runBacktest(crash, short, {}, options).metrics);
    assert.equal(result.metrics.equity_final, 0);
    const ends = stageEnds({ start: 0, end: crash.length }, stages);
    for (const [stage, value] of seen) assert.equal(value, runBacktest(crash, short, {}, { ...options, window: { start: 0, end: ends[stage - 1] } }).metrics.equity_final);
  }
});

test('stage ends split the window evenly, and a window with fewer than two bars a stage is refused', () => {
  assert.deepEqual(stageEnds({ start: 100, end: 200 }, 4), [125, 150, 175, 200]);
  assert.deepEqual(stageEnds({ start: 0, end: 10 }, 3), [3, 6, 10]);
  assert.throws(() => stageEnds({ start: 0, end: 7 }, 4), (e: Error) => e.name === 'InputError' && /4 stages need at least 8 bars, two a stage; the window has 7/.test(e.message));
  assert.throws(() => runManyStaged(bars, getStrategy('sma_crossover'), [{ fast: 5, slow: 20 }], { ...options, window: { start: 0, end: 30 } }, 20, 'sharpe', () => true));
});
