import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mannWhitneyGreater, quartiles } from '../../harness/bench/samplers/stats';

/** [x, y, p of "x larger", p of "y larger"], from scipy.stats.mannwhitneyu(x, y, alternative='greater', method='asymptotic') 1.17. */
const SCIPY: [number[], number[], number, number][] = [
  [[1.5, 2.5, 3.5, 4.5, 5.5], [1, 2, 3, 4], 0.1956336396413197, 0.86482792967261],
  [[3, 3, 4, 5, 5, 6], [1, 2, 3, 3, 4, 5], 0.06936985521514459, 0.9500151590310983],
  [[0, 0, 0, 0.1, 0.2], [0, 0, 0.05, 0.3, 0.4, 0.5, 0.6], 0.9351831298720652, 0.08896538719262126],
  [
    [0.31, 0.42, 0.55, 0.61, 0.61, 0.72, 0.8, 0.93, 1.2, 1.5, 1.7, 2.2],
    [0.1, 0.12, 0.2, 0.25, 0.31, 0.33, 0.4, 0.41, 0.5, 0.61, 0.9],
    0.0012660725454246673,
    0.9989687969623721,
  ],
  [
    [
      2.005, 0.376, 0.207, 0.054, 0.702, 3.482, 1.034, 1.668, 2.782, 0.414, 14.186, 0.416, 1.453, 15.48, 0.892, 1.121, 0.599, 1.397, 0.119, 0.524, 5.442, 1.235,
      0.786, 1.452, 1.514, 1.164, 1.784, 0.19, 1.806, 0.51, 2.194, 0.979, 0.369, 0.93, 0.365, 2.753, 0.972, 2.347, 0.328, 5.05, 0.74, 3.917, 2.349, 0.333, 1.381,
      0.581, 1.506, 4.189, 1.991, 2.909,
    ],
    [
      0.418, 1.655, 1.933, 4.01, 0.727, 2.384, 2.074, 0.294, 0.477, 2.106, 0.416, 0.396, 3.304, 1.796, 1.067, 1.5, 0.901, 0.789, 0.852, 1.986, 5.06, 0.843, 1.26,
      1.085, 0.383, 1.737, 3.212, 0.581, 3.105, 0.762, 4.269, 4.553, 0.92, 0.183, 0.953, 0.336, 0.363, 1.048, 5.262, 1.231, 1.084, 0.212, 0.736, 0.335, 2.271,
      0.796, 1.292, 1.327, 1.119, 3.499,
    ],
    0.48487723361745055,
    0.5178706619617848,
  ],
];

test('the one-sided Mann-Whitney p-value matches scipy, ties included, both ways', () => {
  for (const [x, y, greater, less] of SCIPY) {
    assert.ok(Math.abs(mannWhitneyGreater(x, y) - greater) < 1e-6 * Math.max(1, greater), `x larger: ${mannWhitneyGreater(x, y)} vs ${greater}`);
    assert.ok(Math.abs(mannWhitneyGreater(y, x) - less) < 1e-6 * Math.max(1, less), `y larger: ${mannWhitneyGreater(y, x)} vs ${less}`);
  }
});

test('all values tied give no evidence; an empty side is refused', () => {
  assert.equal(mannWhitneyGreater([2, 2, 2], [2, 2]), 1);
  assert.throws(() => mannWhitneyGreater([], [1]), RangeError);
});

test('quartiles interpolate between order statistics as numpy does', () => {
  assert.deepEqual(quartiles([4, 1, 3, 2]), [1.75, 2.5, 3.25]);
});
