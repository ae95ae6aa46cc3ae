import type { Prng } from './prng';

export const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);
const LN2 = Math.LN2;

/** log erfc(x) for x >= 0 (Numerical Recipes' erfcc: relative error below 1.2e-7, no underflow in the tail). */
function logErfc(x: number): number {
  const t = 1 / (1 + 0.5 * x);
  const poly =
    -1.26551223 +
    t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  return Math.log(t) - x * x + poly;
}

/** log P(Z > z) for a standard normal Z. */
function logUpperTail(z: number): number {
  if (z >= 0) return logErfc(z / Math.SQRT2) - LN2;
  return Math.log1p(-Math.exp(logErfc(-z / Math.SQRT2) - LN2));
}

/** log P(a < Z < b) for a standard normal Z and a < b, accurate in the tails and for narrow intervals. */
export function logNormalMass(a: number, b: number): number {
  const w = b - a;
  const m = 0.5 * (a + b);
  // A narrow interval: the midpoint rule with its second-order term, where the difference of tails would cancel.
  if (w < 0.2 && w * Math.abs(m) < 0.2) return -0.5 * m * m - LOG_SQRT_2PI + Math.log(w) + Math.log1p((w * w * (m * m - 1)) / 24);
  if (a >= 0) {
    const la = logUpperTail(a);
    return la + Math.log1p(-Math.exp(logUpperTail(b) - la));
  }
  if (b <= 0) return logNormalMass(-b, -a);
  return Math.log1p(-(Math.exp(logUpperTail(b)) + Math.exp(logUpperTail(-a))));
}

/**
 * A normal(mu, sigma) draw truncated to [0, 1], by rejection: the kernels' means lie in [0, 1], so at least a
 * third of the draws land inside; after 64 misses (odds below 1e-11) the last draw is clamped.
 */
export function truncatedNormal(rng: Prng, mu: number, sigma: number): number {
  let x = mu;
  for (let i = 0; i < 64; i++) {
    x = mu + sigma * rng.normal();
    if (x >= 0 && x <= 1) return x;
  }
  return x < 0 ? 0 : 1;
}
