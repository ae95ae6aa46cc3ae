import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inlineLog, logRatio, pairwiseSum, pyFloorDiv, sparsePairwiseSum, variance } from '../../backtest/numeric';
import { Random } from '../../backtest/random';

/** numpy's pairwise sum written as its recursion reads: the order every faster form must keep. */
function numpySum(a: Float64Array, from: number, to: number): number {
  const n = to - from;
  if (n < 8) {
    let s = 0;
    for (let i = from; i < to; i++) s += a[i];
    return s;
  }
  if (n <= 128) {
    const r = Array.from({ length: 8 }, (_, j) => a[from + j]);
    let i = from + 8;
    for (; i < to - (n % 8); i += 8) for (let j = 0; j < 8; j++) r[j] += a[i + j];
    let s = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < to; i++) s += a[i];
    return s;
  }
  let half = Math.floor(n / 2);
  half -= half % 8;
  return numpySum(a, from, from + half) + numpySum(a, from + half, to);
}

test('pairwiseSum adds in numpy\'s order, bit for bit, over any range', () => {
  const rng = new Random(15), random = () => rng.uniform();
  for (let t = 0; t < 300; t++) {
    const n = Math.floor(random() * 5000);
    const a = Float64Array.from({ length: n }, () => (random() - 0.3) * 10 ** Math.floor(random() * 12));
    const from = Math.floor(random() * n), to = from + Math.floor(random() * (n - from + 1));
    assert.equal(pairwiseSum(a, 0, n), numpySum(a, 0, n), `n=${n}`);
    assert.equal(pairwiseSum(a, from, to), numpySum(a, from, to), `[${from}, ${to})`);
  }
});

test('sparsePairwiseSum is the pairwise sum of the dense array its entries stand for', () => {
  const rng = new Random(16), random = () => rng.uniform();
  for (let t = 0; t < 400; t++) {
    const n = t < 300 ? t : Math.floor(random() * 20_000);
    const share = [0, 0.01, 0.2, 1][t % 4];
    const dense = new Float64Array(n), at: number[] = [], values: number[] = [];
    for (let i = 0; i < n; i++) {
      if (random() >= share) continue;
      dense[i] = random() * 10 ** Math.floor(random() * 8);
      at.push(i);
      values.push(dense[i]);
    }
    assert.equal(sparsePairwiseSum(at, values, at.length, n), numpySum(dense, 0, n), `n=${n}, ${at.length} entries`);
  }
});

test('variance: the pairwise sum of the squared deviations from the pairwise mean, bit for bit, as pandas takes it', () => {
  const rng = new Random(17), random = () => rng.uniform();
  for (let t = 0; t < 300; t++) {
    const n = t < 140 ? t : Math.floor(random() * 5000);
    const a = Float64Array.from({ length: n }, () => (random() - 0.5) * 10 ** Math.floor(random() * 6));
    const from = Math.floor(random() * (n + 1)), to = from + Math.floor(random() * (n - from + 1));
    const count = to - from;
    const avg = numpySum(a, from, to) / count;
    const squares = Float64Array.from({ length: count }, (_, i) => (avg - a[from + i]) ** 2);
    const expected = count > 1 ? numpySum(squares, 0, count) / (count - 1) : NaN;
    assert.equal(variance(a, from, to, 1), expected, `[${from}, ${to}) of ${n}`);
  }
});

test("pyFloorDiv: Python's x // y for positive floats, 0 below one whole quotient", () => {
  assert.equal(pyFloorDiv(99.99, 100), 0);
  assert.equal(pyFloorDiv(0, 3), 0);
  assert.equal(pyFloorDiv(100, 100), 1);
  assert.equal(pyFloorDiv(7, 2), 3);
  // 1 // 0.1 is 9 in Python: 0.1 is a little more than a tenth, though 1 / 0.1 rounds to 10.
  assert.equal(pyFloorDiv(1, 0.1), 9);
  assert.equal(pyFloorDiv(9_999.999, 33.3), 300);
});

test("pyFloorDiv: equals CPython's float floor division (remainder first) on quotients near and at whole numbers", () => {
  // CPython's float_floor_div for positive operands, step by step.
  const cpython = (x: number, y: number) => {
    const mod = x % y;
    const div = (x - mod) / y;
    if (div === 0) return 0;
    const floor = Math.floor(div);
    return div - floor > 0.5 ? floor + 1 : floor;
  };
  let state = 20261202;
  const random = () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state / 2 ** 32;
  };
  let wholeQuotients = 0;
  for (let k = 0; k < 200_000; k++) {
    const y = 10 ** (random() * 8 - 3) * (1 + random());
    const units = Math.floor(random() * 10 ** Math.floor(random() * 7)) + 1;
    // Cash that buys just under, exactly or just over a whole number of units, as an all-in order sees it.
    const x = [units * y, units * y * (1 - Number.EPSILON), units * y * (1 + Number.EPSILON), (units + random()) * y][k % 4];
    if (Number.isInteger(x / y)) wholeQuotients++;
    assert.equal(pyFloorDiv(x, y), cpython(x, y), `${x} // ${y}`);
  }
  assert.ok(wholeQuotients > 10_000, `the cases reach quotients that round to whole numbers (${wholeQuotients})`);
});

test('inlineLog is Math.log: bit for bit near 1 on x86-64 (V8 compiles the same fdlibm steps), and Math.log itself elsewhere', () => {
  const rng = new Random(7), random = () => rng.uniform();
  const near = [2 ** -30, 2 ** -21, 2 ** -19, 1e-4, 0.01, 0.1, 0.25];
  const cases: number[] = [0.5, 0.75, 0.7499999999999999, 1.25, 1.2500000000000002, 1 - 2 ** -20, 1 + 2 ** -20, 1, 2, 1e-300, 0, -1, NaN, Infinity];
  for (let k = 0; k < 300_000; k++) cases.push(1 + (random() * 2 - 1) * near[k % near.length]);
  const ulps = process.arch === 'x64' ? 0 : 1;
  for (const x of cases) {
    const got = inlineLog(x), want = Math.log(x);
    if (Object.is(got, want)) continue;
    assert.ok(Math.abs(got - want) <= ulps * Number.EPSILON * Math.abs(want), `inlineLog(${x}) = ${got}, Math.log gives ${want}`);
  }
});

test('logRatio: ln(b / a) within a unit or two in the last place of Math.log(b / a), odd in its arguments, Math.log beyond ±3 %', () => {
  const rng = new Random(11), random = () => rng.uniform();
  for (let k = 0; k < 300_000; k++) {
    const a = 10 ** (random() * 8 - 2);
    const b = a * (1 + (random() * 2 - 1) * [1e-12, 1e-6, 1e-3, 0.01, 0.03, 0.2][k % 6]);
    const got = logRatio(a, b), want = Math.log(b / a);
    // Math.log(b / a) itself carries the rounding of b / a: up to 1.1e-16 absolute.
    assert.ok(Math.abs(got - want) <= 1.2e-16 + 4 * Number.EPSILON * Math.abs(want), `logRatio(${a}, ${b}) = ${got}, Math.log(b / a) = ${want}`);
    // Within ±3 % it is 2·atanh((b − a)/(b + a)), exactly odd.
    if (Math.abs(b - a) <= (b + a) / 64) assert.ok(logRatio(b, a) === -got, `logRatio(${b}, ${a}) is not -logRatio(${a}, ${b})`);
  }
  assert.equal(logRatio(5, 5), 0);
  assert.equal(logRatio(1, 2), Math.log(2));
  assert.equal(logRatio(1, 0), -Infinity);
  assert.ok(Number.isNaN(logRatio(0, 0)));
});
