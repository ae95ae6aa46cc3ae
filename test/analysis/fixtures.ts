import type { WalkForwardSplitResult } from '../../analysis';
import { Prng } from '../../search/prng';
import type { Params, SearchSpace } from '../../search/types';
import type { MetricValues, TrialRecord } from '../../types/trial';

const DAY_MS = 86_400_000;
export const START_MS = Date.UTC(2018, 0, 1);

export const DEMO_SPACE: SearchSpace = {
  fast: { type: 'int', low: 5, high: 50 },
  slow: { type: 'int', low: 20, high: 200, step: 5 },
  stop_pct: { type: 'float', low: 0.5, high: 8, log: true },
  kind: { type: 'categorical', choices: ['sma', 'ema'] },
};

/** A trial record with only what a test cares about. */
export function trial(trialId: number, params: Params, metrics: MetricValues, objectiveMetric = 'sharpe', status: 'succeeded' | 'failed' = 'succeeded'): TrialRecord {
  return {
    sessionId: 's', trialId, params, status, metrics,
    objective: status === 'succeeded' ? metrics[objectiveMetric] ?? null : null,
    attempt: 1, workerId: 'w', durationMs: 1, finishedAt: '2024-01-01T00:00:00.000Z',
  };
}

/**
 * A moving-average-like session: Sharpe peaks at fast 12, slow 100; `slow` matters most, `stop_pct` a little,
 * `kind` hardly. Every 37th trial fails.
 */
export function demoTrials(n: number, seed = 7): TrialRecord[] {
  const rng = Prng.fromSeed(seed);
  const out: TrialRecord[] = [];
  for (let id = 1; id <= n; id++) {
    const params: Params = {
      fast: 5 + rng.below(46),
      slow: 20 + 5 * rng.below(37),
      stop_pct: Math.exp(Math.log(0.5) + rng.float() * Math.log(16)),
      kind: rng.float() < 0.5 ? 'sma' : 'ema',
    };
    if (id % 37 === 0) {
      out.push({ ...trial(id, params, {}), status: 'failed', objective: null, error: 'worker lost' });
      continue;
    }
    const sharpe = demoSharpe(params) + 0.05 * rng.normal();
    const ret = 8 * sharpe + 2;
    out.push(trial(id, params, {
      sharpe, return_ann_pct: ret, calmar: sharpe * 0.8, max_drawdown_pct: -12 - 8 * (1.6 - sharpe),
      volatility_ann_pct: 14 + (params.fast as number) / 10, trades: Math.round(400 / (params.fast as number)),
    }));
  }
  return out;
}

export function demoSharpe(p: Params): number {
  const f = ((p.fast as number) - 12) / 20, s = ((p.slow as number) - 100) / 60, stop = Math.log(p.stop_pct as number / 2);
  return 1.6 - 0.5 * f * f - 1.2 * s * s - 0.08 * stop * stop + (p.kind === 'ema' ? 0.03 : 0);
}

/** A daily equity curve: a seeded random walk from `start` with the given daily drift and volatility. */
export function equityCurve(bars: number, startMs: number, seed: number, drift = 0.0004, vol = 0.01, start = 10_000): { times: number[]; equity: number[] } {
  const rng = Prng.fromSeed(seed, 3);
  const times: number[] = [], equity: number[] = [];
  let e = start;
  for (let i = 0; i < bars; i++) {
    if (i) e *= 1 + drift + vol * rng.normal();
    times.push(startMs + i * DAY_MS);
    equity.push(e);
  }
  return { times, equity };
}

/** Five rolling splits of 500 IS and 120 OOS days; split 3 had a losing in-sample window. */
export function demoSplits(): WalkForwardSplitResult[] {
  const chosen: Params[] = [
    { fast: 12, slow: 95, stop_pct: 2, kind: 'ema' },
    { fast: 14, slow: 100, stop_pct: 2.5, kind: 'ema' },
    { fast: 12, slow: 95, stop_pct: 2, kind: 'ema' },
    { fast: 20, slow: 140, stop_pct: 1, kind: 'sma' },
    { fast: 12, slow: 105, stop_pct: 2, kind: 'ema' },
  ];
  return chosen.map((params, k) => {
    const isStart = START_MS + k * 120 * DAY_MS, oosStart = isStart + 500 * DAY_MS;
    const curve = equityCurve(120, oosStart, 100 + k, k === 3 ? -0.0008 : 0.0005);
    const isRet = k === 3 ? -4 : 14 + k, oosRet = k === 3 ? -9 : 6 + k;
    return {
      split: k,
      params,
      inSample: { start: isStart, end: oosStart - DAY_MS, metrics: { return_ann_pct: isRet, sharpe: isRet / 12 } },
      outOfSample: { start: oosStart, end: curve.times[119], metrics: { return_ann_pct: oosRet, sharpe: oosRet / 14 }, ...curve },
      candidates: [
        { params, objective: oosRet / 14, metrics: { sharpe: oosRet / 14 } },
        { params: { fast: 12, slow: 95, stop_pct: 2, kind: 'ema' }, objective: 0.5, metrics: { sharpe: 0.5 } },
        { params: { fast: 30, slow: 60, stop_pct: 4, kind: 'sma' }, objective: 0.1 * k, metrics: { sharpe: 0.1 * k } },
      ].filter((c, i) => i === 0 || JSON.stringify(c.params) !== JSON.stringify(params)),
    };
  });
}
