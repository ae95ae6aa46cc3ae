import { ema, priorExtreme, rollingStd, rsi, sma } from './indicators';
import type { Bars } from './types';

/**
 * Indicators of one series, each computed once per distinct argument and then shared: a batch of trials over
 * the same bars (a grid of SMA periods, say) pays for every period once, not once per trial.
 * Returned arrays are shared; treat them as read-only.
 *
 * With `budgetBytes` the values of the least recently used indicators are dropped once they hold more than that,
 * but never those of the running batch (see {@link startBatch}): a batch that needs more than the budget keeps
 * what it computed until it ends, as a batch with its own cache would, and only what is kept between batches is bounded.
 */
export class Indicators {
  /** Values by key, least recently used first, with the batch that last used them. */
  private readonly cache = new Map<string, { values: Float64Array; batch: number }>();
  private bytes = 0;
  private batch = 0;

  constructor(readonly bars: Bars, private readonly budgetBytes = Infinity) {}

  /** Simple moving average of closes, as pandas' rolling mean. */
  sma(period: number): Float64Array {
    const key = `sma:${period}`;
    return this.cached(key) ?? this.keep(key, sma(this.bars.close, period));
  }

  /** Exponential moving average of closes, SMA-seeded; defined from bar `period - 1`. */
  ema(period: number): Float64Array {
    const key = `ema:${period}`;
    return this.cached(key) ?? this.keep(key, ema(this.bars.close, period));
  }

  /** Wilder's RSI of closes; defined from bar `period`. */
  rsi(period: number): Float64Array {
    const key = `rsi:${period}`;
    return this.cached(key) ?? this.keep(key, rsi(this.bars.close, period));
  }

  /** Population standard deviation of closes over `period` bars. */
  std(period: number): Float64Array {
    const key = `std:${period}`;
    return this.cached(key) ?? this.keep(key, rollingStd(this.bars.close, period));
  }

  /** Highest high of the `period` bars before each bar. */
  priorHigh(period: number): Float64Array {
    const key = `priorHigh:${period}`;
    return this.cached(key) ?? this.keep(key, priorExtreme(this.bars.high, period, 1));
  }

  /** Lowest low of the `period` bars before each bar. */
  priorLow(period: number): Float64Array {
    const key = `priorLow:${period}`;
    return this.cached(key) ?? this.keep(key, priorExtreme(this.bars.low, period, -1));
  }

  /** MACD line, EMA(fast) - EMA(slow); defined from bar `slow - 1`. */
  macd(fast: number, slow: number): Float64Array {
    const key = `macd:${fast}:${slow}`;
    const hit = this.cached(key);
    if (hit) return hit;
    const f = this.ema(fast), s = this.ema(slow);
    const out = new Float64Array(f.length);
    for (let i = 0; i < out.length; i++) out[i] = f[i] - s[i];
    return this.keep(key, out);
  }

  /** Signal line: EMA(signal) of the MACD line; defined from bar `slow + signal - 2`. */
  macdSignal(fast: number, slow: number, signal: number): Float64Array {
    const key = `macdSignal:${fast}:${slow}:${signal}`;
    return this.cached(key) ?? this.keep(key, ema(this.macd(fast, slow), signal, slow - 1));
  }

  /** A new batch begins: what earlier batches used may now be dropped past the budget. */
  startBatch(): void {
    this.batch++;
  }

  /** The values kept under `key`, now marked as used by the running batch; undefined when none are kept. */
  private cached(key: string): Float64Array | undefined {
    const hit = this.cache.get(key);
    if (hit && hit.batch !== this.batch) {
      // Map keeps insertion order: moved to the end at its batch's first use, the most recently used are dropped
      // last, and the running batch's entries stay together at the end.
      this.cache.delete(key);
      hit.batch = this.batch;
      this.cache.set(key, hit);
    }
    return hit?.values;
  }

  /** Keeps `values` under `key` for the running batch, dropping earlier batches' least recently used past the budget. */
  private keep(key: string, values: Float64Array): Float64Array {
    this.cache.set(key, { values, batch: this.batch });
    this.bytes += values.byteLength;
    for (const [oldest, old] of this.cache) {
      // Entries of the running batch are all at the end: the first one met ends the dropping.
      if (this.bytes <= this.budgetBytes || old.batch === this.batch) break;
      this.cache.delete(oldest);
      this.bytes -= old.values.byteLength;
    }
    return values;
  }
}

/**
 * What a series keeps between batches: 64 MiB, some 80 indicators of 100,000 bars, enough for the periods a
 * session keeps coming back to without holding every one it ever tried.
 */
const SERIES_BUDGET_BYTES = 64 * 2 ** 20;

// Series are immutable once loaded, and a session's trials arrive in many batches on the same bars.
const seriesIndicators = new WeakMap<Bars, Indicators>();

/** The indicators every batch on `bars` shares, kept as long as the bars are (within SERIES_BUDGET_BYTES). */
export function sharedIndicators(bars: Bars): Indicators {
  let indicators = seriesIndicators.get(bars);
  if (!indicators) {
    indicators = new Indicators(bars, SERIES_BUDGET_BYTES);
    seriesIndicators.set(bars, indicators);
  }
  return indicators;
}
