import { generateBars, type Bars } from '../../backtest';
import { Random } from '../../backtest/random';

/**
 * Daily bars with a planted trend-following edge: the log price drifts by `drift` a day up or down, the
 * direction switching at random about every `regimeBars` bars, under daily noise of `sigma`. Moving-average
 * crossovers truly work on it: a trend lasts long enough for a crossover to catch most of it.
 */
export function trendingBars(opts: { seed: number; bars: number; drift: number; sigma: number; regimeBars: number }): Bars {
  const { seed, bars: n, drift, sigma, regimeBars } = opts;
  // The calendar and volumes of a generated series; the prices are replaced below.
  const calendar = generateBars({ seed, bars: n, interval: '1d', weekends: false, start: '2015-01-05', mu: 0, sigma: 0, startPrice: 100 });
  const rng = new Random(seed);
  const cents = (x: number) => Math.round(x * 100) / 100;
  const open = new Float64Array(n), high = new Float64Array(n), low = new Float64Array(n), close = new Float64Array(n);
  let direction = 1, price = 100;
  for (let i = 0; i < n; i++) {
    if (rng.uniform() < 1 / regimeBars) direction = -direction;
    open[i] = cents(price);
    price *= Math.exp(direction * drift + sigma * rng.normal());
    close[i] = cents(price);
    high[i] = cents(Math.max(open[i], close[i]) * 1.002);
    low[i] = cents(Math.min(open[i], close[i]) * 0.998);
  }
  return { ...calendar, open, high, low, close, source: `trending(seed=${seed}, ${n}x1d)` };
}
