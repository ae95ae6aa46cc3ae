import { Target, type StrategyDef } from './types';

const period = (def: number, description: string) => ({ type: 'int' as const, default: def, min: 1, max: 100_000, description });

/**
 * Long where `a` crosses above `b`, Short where it crosses below: backtesting.py's `crossover`, strict on
 * both bars, so a touch (equal values) is not a cross.
 */
function crossoverTargets(a: Float64Array, b: Float64Array, out: Int8Array): void {
  const long = Target.Long, short = Target.Short, n = out.length;
  // Each bar's comparison is carried to the next, so a bar reads its two values once.
  let wasBelow = a[0] < b[0], wasAbove = a[0] > b[0];
  let i = 1;
  while (i < n) {
    // Bars that stay on the side of the bar before set nothing: passed over in a loop of one comparison.
    if (wasAbove) while (i < n && a[i] > b[i]) i++;
    else if (wasBelow) while (i < n && a[i] < b[i]) i++;
    if (i === n) break;
    const x = a[i], y = b[i];
    const below = x < y, above = x > y;
    if (above) {
      if (wasBelow) out[i] = long;
    } else if (below && wasAbove) out[i] = short;
    wasBelow = below;
    wasAbove = above;
    i++;
  }
}

type FastSlow = { fast: number; slow: number };
const fastBelowSlow = [{ description: 'fast < slow', holds: (p: FastSlow) => p.fast < p.slow }];

/** backtesting.py's SmaCross: on a cross up close any short and go long all-in; on a cross down the reverse. */
export const smaCrossover: StrategyDef<FastSlow> = {
  name: 'sma_crossover',
  description: 'Long when the fast SMA of closes crosses above the slow one, short when it crosses below.',
  params: { fast: period(10, 'fast SMA period, bars'), slow: period(30, 'slow SMA period, bars') },
  constraints: fastBelowSlow,
  lookback: (p) => Math.max(p.fast, p.slow) - 1,
  signals: (ind, p, out) => crossoverTargets(ind.sma(p.fast), ind.sma(p.slow), out),
};

export const emaCrossover: StrategyDef<FastSlow> = {
  name: 'ema_crossover',
  description: 'Long when the fast EMA of closes crosses above the slow one, short when it crosses below.',
  params: { fast: period(12, 'fast EMA period, bars'), slow: period(26, 'slow EMA period, bars') },
  constraints: fastBelowSlow,
  lookback: (p) => Math.max(p.fast, p.slow) - 1,
  signals: (ind, p, out) => crossoverTargets(ind.ema(p.fast), ind.ema(p.slow), out),
};

type Macd = FastSlow & { signal: number };
export const macd: StrategyDef<Macd> = {
  name: 'macd',
  description: 'Long when the MACD line crosses above its signal line, short when it crosses below.',
  params: {
    fast: period(12, 'fast EMA period, bars'),
    slow: period(26, 'slow EMA period, bars'),
    signal: period(9, 'signal-line EMA period, bars'),
  },
  constraints: fastBelowSlow,
  lookback: (p) => Math.max(p.fast, p.slow) + p.signal - 2,
  signals: (ind, p, out) => crossoverTargets(ind.macd(p.fast, p.slow), ind.macdSignal(p.fast, p.slow, p.signal), out),
};

type Rsi = { period: number; lower: number; upper: number };
/** Long-only mean reversion: buy when RSI falls into oversold, close when it rises into overbought. */
export const rsiReversion: StrategyDef<Rsi> = {
  name: 'rsi_reversion',
  description: 'Long when RSI crosses below `lower`, flat when it crosses above `upper` (long only).',
  params: {
    period: { ...period(14, 'RSI period, bars'), min: 2 },
    lower: { type: 'float', default: 30, min: 0, max: 100, description: 'oversold level' },
    upper: { type: 'float', default: 70, min: 0, max: 100, description: 'overbought level' },
  },
  constraints: [{ description: 'lower < upper', holds: (p) => p.lower < p.upper }],
  lookback: (p) => p.period,
  signals: (ind, p, out) => {
    const r = ind.rsi(p.period);
    for (let i = 1; i < out.length; i++) {
      if (r[i - 1] >= p.lower && r[i] < p.lower) out[i] = Target.Long;
      else if (r[i - 1] <= p.upper && r[i] > p.upper) out[i] = Target.Flat;
    }
  },
};

type Bollinger = { period: number; k: number };
export const bollingerBreakout: StrategyDef<Bollinger> = {
  name: 'bollinger_breakout',
  description: 'Long when the close crosses above SMA + k·σ, short when it crosses below SMA - k·σ.',
  params: {
    period: { ...period(20, 'band period, bars'), min: 2 },
    k: { type: 'float', default: 2, min: 0, max: 10, description: 'band width in standard deviations' },
  },
  lookback: (p) => p.period - 1,
  signals: (ind, p, out) => {
    const mid = ind.sma(p.period), sd = ind.std(p.period), close = ind.bars.close;
    for (let i = 1; i < out.length; i++) {
      const up0 = mid[i - 1] + p.k * sd[i - 1], up1 = mid[i] + p.k * sd[i];
      const lo0 = mid[i - 1] - p.k * sd[i - 1], lo1 = mid[i] - p.k * sd[i];
      if (close[i - 1] <= up0 && close[i] > up1) out[i] = Target.Long;
      else if (close[i - 1] >= lo0 && close[i] < lo1) out[i] = Target.Short;
    }
  },
};

type Donchian = { lookback: number };
export const donchianBreakout: StrategyDef<Donchian> = {
  name: 'donchian_breakout',
  description: 'Long when the close first rises above the highest high of the previous `lookback` bars, short when it first falls below their lowest low.',
  params: { lookback: period(20, 'channel length, bars') },
  lookback: (p) => p.lookback,
  signals: (ind, p, out) => {
    const hi = ind.priorHigh(p.lookback), lo = ind.priorLow(p.lookback), close = ind.bars.close;
    for (let i = 1; i < out.length; i++) {
      if (close[i] > hi[i] && !(close[i - 1] > hi[i - 1])) out[i] = Target.Long;
      else if (close[i] < lo[i] && !(close[i - 1] < lo[i - 1])) out[i] = Target.Short;
    }
  },
};

export const BUILTIN_STRATEGIES: readonly StrategyDef[] = [
  smaCrossover, emaCrossover, rsiReversion, bollingerBreakout, macd, donchianBreakout,
];
