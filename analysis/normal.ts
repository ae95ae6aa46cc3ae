/**
 * The standard normal distribution's CDF Φ and its inverse, to about 1e-15 (checked against scipy in
 * test/analysis/overfitting.test.ts). No library: the two functions are all the statistics here need.
 */

const SQRT2 = Math.SQRT2;
const SQRT_PI = Math.sqrt(Math.PI);

/** Φ(x), the probability that a standard normal variable is at most x. */
export function normalCdf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const z = x / SQRT2;
  if (Math.abs(z) < 3) return 0.5 + 0.5 * erfSeries(z);
  // In the tails the complement is computed directly, so Φ(−8) keeps its digits instead of cancelling to 0.
  const tail = 0.5 * erfcContinuedFraction(Math.abs(z));
  return z > 0 ? 1 - tail : tail;
}

/**
 * Φ⁻¹(p): Acklam's rational approximation (relative error below 1.2e-9), then two Halley steps on Φ, which
 * bring it to the precision of Φ itself. Φ⁻¹(0) = −∞, Φ⁻¹(1) = +∞, NaN outside [0, 1].
 */
export function normalQuantile(p: number): number {
  if (!(p >= 0 && p <= 1)) return NaN;
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  // Upper half by symmetry: 1 − p is exact there, and the lower tail of Φ keeps its digits.
  if (p > 0.5) return -normalQuantile(1 - p);
  let x = acklam(p);
  for (let step = 0; step < 2; step++) {
    const e = normalCdf(x) - p;
    const u = e * Math.sqrt(2 * Math.PI) * Math.exp((x * x) / 2);
    x -= u / (1 + (x * u) / 2);
  }
  return x;
}

/** erf(z) for |z| < 3 from its series of positive terms, 2/√π · e^(−z²) · Σ 2ⁿ z^(2n+1) / (1·3·…·(2n+1)): nothing cancels. */
function erfSeries(z: number): number {
  const z2 = z * z;
  let term = z, sum = z;
  for (let n = 1; n < 200 && Math.abs(term) > 1e-17 * Math.abs(sum); n++) {
    term *= (2 * z2) / (2 * n + 1);
    sum += term;
  }
  return ((2 / SQRT_PI) * Math.exp(-z2)) * sum;
}

/** erfc(z) for z >= 3 from its continued fraction e^(−z²)/√π · 1/(z + (1/2)/(z + 1/(z + (3/2)/(z + …)))), by Lentz's method. */
function erfcContinuedFraction(z: number): number {
  const tiny = 1e-300;
  let f = z, c = z, d = 0;
  for (let n = 1; n < 500; n++) {
    const a = n / 2;
    d = z + a * d;
    d = d === 0 ? tiny : d;
    c = z + a / c;
    c = c === 0 ? tiny : c;
    d = 1 / d;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-z * z) / SQRT_PI / f;
}

const A = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
const B = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
const C = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
const D = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
const P_LOW = 0.02425;

/** Acklam's approximation for p <= 0.5. */
function acklam(p: number): number {
  if (p < P_LOW) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5]) / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1);
  }
  const q = p - 0.5;
  const r = q * q;
  return ((((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q) / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1);
}
