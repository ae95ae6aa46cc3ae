import { InputError } from '../errors';
import { DAY_MS, dayOfWeek, parseIsoTime } from './dates';
import { Random } from './random';
import type { Bars } from './types';

export interface GenerateOptions {
  seed: number;
  /** How many bars. */
  bars: number;
  interval: '1d' | '1h';
  /** Whether Saturdays and Sundays have bars (crypto) or not (equities). */
  weekends: boolean;
  /** ISO date or date-time of the first bar (moved forward to a weekday when weekends are off). */
  start: string;
  /** Annual drift of the log price plus half the variance: the GBM `mu`. */
  mu: number;
  /** Annual volatility. */
  sigma: number;
  startPrice: number;
  /** Prices are rounded to this many decimals, as quotes are; 2 unless given. */
  decimals?: number;
}

const HOUR_MS = 3_600_000;

/**
 * Synthetic bars from geometric Brownian motion: closes follow GBM exactly, each open gaps a little from the
 * previous close, and highs and lows reach past the body by a random share of the bar's volatility.
 * The same options give the same bars on every machine.
 *
 * @throws InputError for a count below 1, a bad start time, or non-positive prices or volatility.
 * @example
 * const bars = generateBars({ seed: 7, bars: 2000, interval: '1d', weekends: false, start: '2010-01-04',
 *   mu: 0.15, sigma: 0.3, startPrice: 100 });
 */
export function generateBars(options: GenerateOptions): Bars {
  const { seed, bars: n, interval, weekends, mu, sigma, startPrice } = options;
  const decimals = options.decimals ?? 2;
  if (!Number.isInteger(n) || n < 1) throw new InputError(`generateBars: bars must be a whole number >= 1, got ${n}.`);
  if (!(startPrice > 0) || !(sigma >= 0)) throw new InputError('generateBars: startPrice must be > 0 and sigma >= 0.');
  let t = parseIsoTime(options.start);
  if (Number.isNaN(t)) throw new InputError(`generateBars: start "${options.start}" is not an ISO date or date-time.`);

  const step = interval === '1d' ? DAY_MS : HOUR_MS;
  const perYear = (weekends ? 365 : 252) * (interval === '1d' ? 1 : 24);
  const dt = 1 / perYear;
  const barSigma = sigma * Math.sqrt(dt);
  const drift = (mu - (sigma * sigma) / 2) * dt;
  const scale = 10 ** decimals;
  const tick = 1 / scale;
  const round = (x: number) => Math.max(tick, Math.round(x * scale) / scale);

  const rng = new Random(seed);
  const time = new Float64Array(n), open = new Float64Array(n), high = new Float64Array(n);
  const low = new Float64Array(n), close = new Float64Array(n), volume = new Float64Array(n);
  let prev = startPrice;
  for (let i = 0; i < n; i++) {
    while (!weekends && dayOfWeek(t) >= 5) t += step;
    time[i] = t;
    t += step;

    const gap = 0.2 * barSigma * rng.normal();
    const next = prev * Math.exp(drift + barSigma * rng.normal());
    const o = round(prev * Math.exp(gap));
    const c = round(next);
    const h = round(Math.max(o, c) * Math.exp(0.5 * barSigma * Math.abs(rng.normal())));
    const l = round(Math.min(o, c) * Math.exp(-0.5 * barSigma * Math.abs(rng.normal())));
    open[i] = o;
    close[i] = c;
    high[i] = Math.max(h, o, c);
    low[i] = Math.min(l, o, c);
    volume[i] = Math.round((interval === '1d' ? 2e6 : 1e5) * Math.exp(0.4 * rng.normal()));
    prev = next;
  }
  const source = `generated(seed=${seed}, ${n}x${interval}${weekends ? ', weekends' : ''})`;
  return { time, open, high, low, close, volume, length: n, source };
}
