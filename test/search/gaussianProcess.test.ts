import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LogEiAcquisition } from '../../search/acquisition';
import { GaussianProcess, matern52, matern52Slope } from '../../search/gaussianProcess';
import { fitData, fitKernel, negativeLogPosterior } from '../../search/kernelFit';
import { minimizeLbfgs } from '../../search/lbfgs';
import { choleskyInPlace, solveLower, solveLowerTransposed } from '../../search/linalg';
import { erfcx, logEi, normalCdf } from '../../search/logEi';
import { Prng } from '../../search/prng';

const close = (actual: number, expected: number, relative: number, what: string): void =>
  assert.ok(Math.abs(actual - expected) <= relative * Math.max(Math.abs(expected), 1e-300), `${what}: ${actual}, expected ${expected}`);

/** Central difference of f along coordinate j. */
function numericSlope(f: (x: number[]) => number, x: readonly number[], j: number, h = 1e-6): number {
  const up = [...x];
  const down = [...x];
  up[j] = (up[j] as number) + h;
  down[j] = (down[j] as number) - h;
  return (f(up) - f(down)) / (2 * h);
}

/** 20 points in 3 dims (the last categorical, 3 choices) of a function with a smooth part and a categorical step. */
function sample(seed: number): { points: number[][]; values: number[]; categorical: boolean[] } {
  const rng = Prng.fromSeed(seed);
  const points = Array.from({ length: 20 }, () => [rng.float(), rng.float(), (rng.below(3) + 0.5) / 3]);
  const values = points.map(([a, b, c]) => Math.sin(5 * (a as number)) + (b as number) ** 2 + ((c as number) > 0.5 ? 1 : 0));
  return { points, values, categorical: [false, false, true] };
}

test('Matern 5/2: 1 at distance 0, known values (mpmath), and its slope in r² matches the difference quotient', () => {
  assert.equal(matern52(0), 1);
  close(matern52(1), 0.52399410883182031, 1e-14, 'k(r²=1)');
  close(matern52(0.04), 0.9679861199640714, 1e-14, 'k(r²=0.04)');
  close(matern52Slope(0.04), -0.77113247112773188, 1e-14, "k'(r²=0.04)");
  close(matern52Slope(0), -5 / 6, 1e-15, "k'(0)");
  for (const r2 of [0.01, 0.3, 2, 7]) close(matern52Slope(r2), numericSlope(([v]) => matern52(v as number), [r2], 0), 1e-7, `slope at ${r2}`);
});

test('Cholesky: the textbook factor, the solves of A x = b, and a refusal of a matrix that is not positive definite', () => {
  const a = Float64Array.from([4, 0, 0, 12, 37, 0, -16, -43, 98]);
  assert.ok(choleskyInPlace(a, 3));
  assert.deepEqual([a[0], a[3], a[4], a[6], a[7], a[8]], [2, 6, 1, -8, 5, 3]);
  // A x = b for x = (1, -2, 3): b = A x.
  const b = Float64Array.from([4 - 24 - 48, 12 - 74 - 129, -16 + 86 + 294]);
  solveLower(a, 3, b);
  solveLowerTransposed(a, 3, b);
  [1, -2, 3].forEach((x, i) => close(b[i] as number, x, 1e-12, `x[${i}]`));
  assert.equal(choleskyInPlace(Float64Array.from([1, 0, 2, 1]), 2), false, '[[1, 2], [2, 1]] is indefinite');
});

test('erfcx, the normal CDF and log EI agree with mpmath to 1e-13, far into the tail', () => {
  const erfcxValues: [number, number][] = [
    [0, 1],
    [0.3, 0.73459933456765514],
    [0.46875, 0.63206968924955608],
    [1, 0.427583576155807],
    [2, 0.25539567631050574],
    [4, 0.13699945762506139],
    [5, 0.11070463773306863],
    [30, 0.018795888861416751],
  ];
  for (const [x, v] of erfcxValues) close(erfcx(x), v, 1e-14, `erfcx(${x})`);
  close(normalCdf(-6), 9.8658764503769814e-10, 1e-13, 'Φ(-6)');
  close(normalCdf(3), 0.99865010196836991, 1e-15, 'Φ(3)');
  // log E[max(0, Z + z)] and its slope Φ(z) / ei(z), from mpmath at 50 digits.
  const known: [number, number, number][] = [
    [8, 2.0794415416798359, 0.12499999999999992],
    [1, 0.08002621884930694, 0.77663872520173926],
    [0, -0.91893853320467274, 1.2533141373155003],
    [-1, -2.4851210257126413, 1.9042712333296918],
    [-5, -16.74430116266099, 5.3618162412880885],
    [-25, -319.86146358149595, 25.079620234266533],
    [-38, -730.19618340211374, 38.052522760041328],
    [-999, -499015.2324510965, 999.00200199598401],
    [-1001, -501015.23645108583, 1001.001997996016],
    [-1e4, -50000019.339619307, 10000.000199999994],
  ];
  for (const [z, value, slope] of known) {
    const got = logEi(z);
    close(got.value, value, 1e-13, `log ei(${z})`);
    close(got.slope, slope, 1e-9, `slope at ${z}`);
  }
});

test('the GP interpolates its points, reverts to the prior far away, and its gradients match difference quotients', () => {
  const { points, values, categorical } = sample(1);
  const params = [0.3, -0.5, 0.2, 0.1, -12];
  const gp = new GaussianProcess(points, values, params, categorical);
  points.forEach((x, i) => {
    const { mean, variance } = gp.predict(x);
    assert.ok(Math.abs(mean - (values[i] as number)) < 1e-3, `mean at point ${i}: ${mean}, the value is ${values[i]}`);
    assert.ok(variance < 1e-4, `variance at point ${i}: ${variance}`);
  });
  const far = gp.predict([40, -40, 0.5]);
  assert.ok(Math.abs(far.mean) < 1e-6 && Math.abs(far.variance - gp.signalVariance) < 1e-6, JSON.stringify(far));

  const x = [0.31, 0.72, 0.5];
  const dMean = new Float64Array(3);
  const dVariance = new Float64Array(3);
  gp.predictWithGradient(x, [0, 1], dMean, dVariance);
  for (const j of [0, 1]) {
    close(dMean[j] as number, numericSlope((p) => gp.predict(p).mean, x, j), 1e-5, `d mean / d x${j}`);
    close(dVariance[j] as number, numericSlope((p) => gp.predict(p).variance, x, j), 1e-4, `d variance / d x${j}`);
  }
  const acquisition = new LogEiAcquisition(gp, Math.min(...values), [0, 1], () => true);
  const gradient = new Float64Array(3);
  acquisition.valueWithGradient(x, gradient);
  for (const j of [0, 1]) close(gradient[j] as number, numericSlope((p) => acquisition.value(p), x, j), 1e-5, `d log EI / d x${j}`);
  assert.equal(new LogEiAcquisition(gp, 0, [0, 1], () => false).value(x), -Infinity);
});

test('the kernel fit: analytic gradient of the log posterior, a lower optimum, and a long length scale for a coordinate that does not matter', () => {
  const { points, values, categorical } = sample(2);
  const data = fitData(points, values, categorical);
  const params = [0.3, -0.5, 0.2, 0.1, -2];
  const { value, gradient } = negativeLogPosterior(data, params);
  params.forEach((_, j) => close(gradient[j] as number, numericSlope((p) => negativeLogPosterior(data, p).value, params, j), 1e-6, `d/dθ${j}`));
  const fitted = fitKernel(data, [params], 50);
  assert.ok(negativeLogPosterior(data, fitted).value < value - 1);

  // y depends on x0 only: x1's length scale must come out far longer (a smaller log inverse squared length scale).
  const rng = Prng.fromSeed(3);
  const flat = Array.from({ length: 30 }, () => [rng.float(), rng.float()]);
  const ard = fitKernel(fitData(flat, flat.map(([a]) => Math.sin(6 * (a as number))), [false, false]), [[0, 0, 0, 0]], 50);
  assert.ok((ard[1] as number) < (ard[0] as number) - 2, `log 1/l²: ${ard.map((v) => v.toFixed(2)).join(', ')}`);
});

test('L-BFGS finds the minimum of the Rosenbrock function from (-1.2, 1)', () => {
  const rosenbrock = ([x, y]: readonly number[]) => ({
    value: 100 * ((y as number) - (x as number) ** 2) ** 2 + (1 - (x as number)) ** 2,
    gradient: [-400 * (x as number) * ((y as number) - (x as number) ** 2) - 2 * (1 - (x as number)), 200 * ((y as number) - (x as number) ** 2)],
  });
  const { x, value } = minimizeLbfgs(rosenbrock, [-1.2, 1], { maxIterations: 200, gradientTolerance: 1e-8 });
  assert.ok(value < 1e-10 && Math.abs((x[0] as number) - 1) < 1e-4, JSON.stringify({ x, value }));
});
