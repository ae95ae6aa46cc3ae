import { METRIC_NAMES } from '../../../config/metrics';
import { Prng } from '../../../search/prng';
import type { TrialRecord } from '../../../types/trial';

/**
 * Trial records shaped like a built-in backtest's (every metric of the engine, two of them integers, one
 * the same for every trial as buy-and-hold is; three integer parameters and one float; a few failures
 * with an error text; eight workers), deterministic from `seed`, for the store benchmark and tests.
 */
export function* syntheticTrials(sessionId: string, count: number, seed = 1, firstId = 1): Generator<TrialRecord> {
  const rng = Prng.fromSeed(seed, 0x5354);
  const start = Date.parse('2026-01-01T00:00:00Z');
  for (let id = firstId; id < firstId + count; id++) {
    const fast = 2 + rng.below(58), slow = fast + 1 + rng.below(200), lookback = 5 + rng.below(60), stop = Math.round(rng.float() * 1e6) / 1e6;
    const params = { fast, slow, lookback, stop };
    const common = { sessionId, trialId: id, params, attempt: 1 + (rng.below(20) === 0 ? 1 : 0), workerId: `worker-${rng.below(8)}`, durationMs: 5 + rng.float() * 400, finishedAt: new Date(start + id * 37).toISOString() };
    if (rng.below(50) === 0) {
      yield { ...common, status: 'failed', metrics: {}, objective: null, error: 'Error: backtest thread ran out of memory (--max-memory-mb 512)' };
      continue;
    }
    const metrics: Record<string, number | null> = {};
    for (const name of METRIC_NAMES) metrics[name] = (rng.float() - 0.3) * 100;
    metrics.trades = rng.below(400);
    metrics.max_drawdown_duration = rng.below(2500);
    metrics.buy_hold_return_pct = 643.8050396721599;
    metrics.sharpe = (rng.float() - 0.4) * 3;
    yield { ...common, status: 'succeeded', metrics, objective: metrics.sharpe };
  }
}
