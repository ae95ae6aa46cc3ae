import { LOG_SQRT_2PI } from './normal';

const INV_SQRT_PI = 1 / Math.sqrt(Math.PI);
const SQRT_HALF_PI = Math.sqrt(Math.PI / 2);
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

// W. J. Cody, "Rational Chebyshev approximations for the error function", Math. Comp. 23 (1969), as in netlib's
// specfun CALERF: erf on [0, 0.46875], erfcx on [0.46875, 4], and erfcx in 1/x² beyond 4.
const ERF_P = [3.1611237438705656, 113.864154151050156, 377.485237685302021, 3209.37758913846947, 0.185777706184603153];
const ERF_Q = [23.6012909523441209, 244.024637934444173, 1282.61652607737228, 2844.23683343917062];
const MID_P = [0.564188496988670089, 8.88314979438837594, 66.1191906371416295, 298.635138197400131, 881.95222124176909, 1712.04761263407058, 2051.07837782607147, 1230.33935479799725, 2.15311535474403846e-8];
const MID_Q = [15.7449261107098347, 117.693950891312499, 537.181101862009858, 1621.38957456669019, 3290.79923573345963, 4362.61909014324716, 3439.36767414372164, 1230.33935480374942];
const TAIL_P = [0.305326634961232344, 0.360344899949804439, 0.125781726111229246, 0.0160837851487422766, 6.58749161529837803e-4, 0.0163153871373020978];
const TAIL_Q = [2.56852019228982242, 1.87295284992346047, 0.527905102951428412, 0.0605183413124413191, 0.00233520497626869185];

/** erfcx(x) = e^(x²) erfc(x) for x ≥ 0, to about 1e-15 relative; it never overflows (≈ 1 / (x √π) far out). */
export function erfcx(x: number): number {
  if (x < 0.46875) {
    const z = x * x;
    let num = (ERF_P[4] as number) * z;
    let den = z;
    for (let i = 0; i < 3; i++) {
      num = (num + (ERF_P[i] as number)) * z;
      den = (den + (ERF_Q[i] as number)) * z;
    }
    return Math.exp(z) * (1 - (x * (num + (ERF_P[3] as number))) / (den + (ERF_Q[3] as number)));
  }
  if (x <= 4) {
    let num = (MID_P[8] as number) * x;
    let den = x;
    for (let i = 0; i < 7; i++) {
      num = (num + (MID_P[i] as number)) * x;
      den = (den + (MID_Q[i] as number)) * x;
    }
    return (num + (MID_P[7] as number)) / (den + (MID_Q[7] as number));
  }
  const z = 1 / (x * x);
  let num = (TAIL_P[5] as number) * z;
  let den = z;
  for (let i = 0; i < 4; i++) {
    num = (num + (TAIL_P[i] as number)) * z;
    den = (den + (TAIL_Q[i] as number)) * z;
  }
  return (INV_SQRT_PI - (z * (num + (TAIL_P[4] as number))) / (den + (TAIL_Q[4] as number))) / x;
}

/** Standard normal CDF Φ(z), accurate in both tails. */
export function normalCdf(z: number): number {
  const t = Math.abs(z) * Math.SQRT1_2;
  const tail = 0.5 * erfcx(t) * Math.exp(-t * t);
  return z < 0 ? tail : 1 - tail;
}

/** Beyond this many standard deviations below the incumbent, 1 + z Φ(z)/φ(z) is taken from its asymptotic series. */
const FAR_TAIL = 1e3;

/**
 * log E[max(0, Z + z)] for a standard normal Z, with its derivative in z: the log expected improvement of a
 * posterior whose mean is z standard deviations better than the incumbent. With ei(z) = z Φ(z) + φ(z):
 * - z ≥ 0: directly, nothing cancels;
 * - z < 0: ei(z) = φ(z) (1 + z r), r = Φ(z)/φ(z) = √(π/2) erfcx(−z/√2), so the log never underflows
 *   (Ament et al. 2023, "Unexpected improvements to expected improvement for Bayesian optimization", eq. 9);
 * - z < −1000: 1 + z r = z⁻² (1 − 3 z⁻² + 15 z⁻⁴ …), where the difference itself would cancel.
 * The derivative is Φ(z)/ei(z) = r / (1 + z r).
 */
export function logEi(z: number): { value: number; slope: number } {
  if (z >= 0) {
    const cdf = normalCdf(z);
    const ei = z * cdf + Math.exp(-0.5 * z * z) * INV_SQRT_2PI;
    return { value: Math.log(ei), slope: cdf / ei };
  }
  const base = -0.5 * z * z - LOG_SQRT_2PI;
  if (z < -FAR_TAIL) {
    const u = 1 / (z * z);
    const factor = u * (1 - 3 * u + 15 * u * u);
    return { value: base + Math.log(factor), slope: (-1 / z) * (1 - u + 3 * u * u) / factor };
  }
  const r = SQRT_HALF_PI * erfcx(-z * Math.SQRT1_2);
  const factor = 1 + z * r;
  return { value: base + Math.log(factor), slope: r / factor };
}
