import type { Params, SearchSpace } from '../../../search';

/** A benchmark function to minimize over a box, with its known minimum; the same as functions.py. */
export interface TestFunction {
  name: string;
  label: string;
  bounds: [number, number][];
  minimum: number;
  f(x: number[]): number;
}

const HARTMANN_A = [
  [10, 3, 17, 3.5, 1.7, 8],
  [0.05, 10, 17, 0.1, 8, 14],
  [3, 3.5, 1.7, 10, 17, 8],
  [17, 8, 0.05, 10, 0.1, 14],
];
const HARTMANN_P = [
  [1312, 1696, 5569, 124, 8283, 5886],
  [2329, 4135, 8307, 3736, 1004, 9991],
  [2348, 1451, 3522, 2883, 3047, 6650],
  [4047, 8828, 8732, 5743, 1091, 381],
].map((row) => row.map((v) => v * 1e-4));
const HARTMANN_ALPHA = [1.0, 1.2, 3.0, 3.2];
const HARTMANN3_A = [
  [3, 10, 30],
  [0.1, 10, 35],
  [3, 10, 30],
  [0.1, 10, 35],
];
const HARTMANN3_P = [
  [3689, 1170, 2673],
  [4699, 4387, 7470],
  [1091, 8732, 5547],
  [381, 5743, 8828],
].map((row) => row.map((v) => v * 1e-4));

/** -sum_i alpha_i exp(-sum_j A_ij (x_j - P_ij)^2), the Hartmann family. */
const hartmann =
  (a: number[][], p: number[][]) =>
  (x: number[]): number =>
    -HARTMANN_ALPHA.reduce((sum, alpha, i) => sum + alpha * Math.exp(-x.reduce((s, xj, j) => s + a[i]![j]! * (xj - p[i]![j]!) ** 2, 0)), 0);

const box = (d: number, low: number, high: number): [number, number][] => Array.from({ length: d }, (): [number, number] => [low, high]);

export const FUNCTIONS: TestFunction[] = [
  {
    name: 'branin',
    label: 'Branin 2-D',
    bounds: [
      [-5, 10],
      [0, 15],
    ],
    minimum: 0.397887357729739,
    f: ([x1, x2]) => {
      const [a, b, c, r, s, t] = [1, 5.1 / (4 * Math.PI ** 2), 5 / Math.PI, 6, 10, 1 / (8 * Math.PI)];
      return a * (x2! - b * x1! ** 2 + c * x1! - r) ** 2 + s * (1 - t) * Math.cos(x1!) + s;
    },
  },
  {
    name: 'hartmann6',
    label: 'Hartmann 6-D',
    bounds: box(6, 0, 1),
    minimum: -3.32236801141551,
    f: hartmann(HARTMANN_A, HARTMANN_P),
  },
  {
    name: 'rosenbrock4',
    label: 'Rosenbrock 4-D',
    bounds: box(4, -5, 10),
    minimum: 0,
    f: (x) => x.slice(0, -1).reduce((s, xi, i) => s + 100 * (x[i + 1]! - xi * xi) ** 2 + (1 - xi) ** 2, 0),
  },
  {
    name: 'ackley5',
    label: 'Ackley 5-D',
    bounds: box(5, -32.768, 32.768),
    minimum: 0,
    f: (x) => {
      const n = x.length;
      const sq = x.reduce((s, v) => s + v * v, 0) / n;
      const cos = x.reduce((s, v) => s + Math.cos(2 * Math.PI * v), 0) / n;
      return -20 * Math.exp(-0.2 * Math.sqrt(sq)) - Math.exp(cos) + 20 + Math.E;
    },
  },
  {
    name: 'camel6',
    label: 'Six-Hump Camel 2-D',
    bounds: [
      [-3, 3],
      [-2, 2],
    ],
    minimum: -1.0316284534898774,
    f: ([x1, x2]) => (4 - 2.1 * x1! ** 2 + x1! ** 4 / 3) * x1! ** 2 + x1! * x2! + (-4 + 4 * x2! ** 2) * x2! ** 2,
  },
  {
    name: 'goldstein_price',
    label: 'Goldstein-Price 2-D',
    bounds: box(2, -2, 2),
    minimum: 3,
    f: ([x1, x2]) =>
      (1 + (x1! + x2! + 1) ** 2 * (19 - 14 * x1! + 3 * x1! ** 2 - 14 * x2! + 6 * x1! * x2! + 3 * x2! ** 2)) *
      (30 + (2 * x1! - 3 * x2!) ** 2 * (18 - 32 * x1! + 12 * x1! ** 2 + 48 * x2! - 36 * x1! * x2! + 27 * x2! ** 2)),
  },
  {
    name: 'hartmann3',
    label: 'Hartmann 3-D',
    bounds: box(3, 0, 1),
    minimum: -3.8627797873326624,
    f: hartmann(HARTMANN3_A, HARTMANN3_P),
  },
  {
    name: 'styblinski_tang5',
    label: 'Styblinski-Tang 5-D',
    bounds: box(5, -5, 5),
    minimum: -39.166165703771416 * 5,
    f: (x) => 0.5 * x.reduce((s, v) => s + v ** 4 - 16 * v ** 2 + 5 * v, 0),
  },
  {
    name: 'rastrigin4',
    label: 'Rastrigin 4-D',
    bounds: box(4, -5.12, 5.12),
    minimum: 0,
    f: (x) => 10 * x.length + x.reduce((s, v) => s + v * v - 10 * Math.cos(2 * Math.PI * v), 0),
  },
  {
    name: 'levy6',
    label: 'Levy 6-D',
    bounds: box(6, -10, 10),
    minimum: 0,
    f: (x) => {
      const w = x.map((v) => 1 + (v - 1) / 4);
      const last = w[w.length - 1]!;
      const middle = w.slice(0, -1).reduce((s, wi) => s + (wi - 1) ** 2 * (1 + 10 * Math.sin(Math.PI * wi + 1) ** 2), 0);
      return Math.sin(Math.PI * w[0]!) ** 2 + middle + (last - 1) ** 2 * (1 + Math.sin(2 * Math.PI * last) ** 2);
    },
  },
];

export function spaceOf(fn: TestFunction): SearchSpace {
  return Object.fromEntries(fn.bounds.map(([low, high], i) => [`x${i}`, { type: 'float', low, high }]));
}

export const pointOf = (fn: TestFunction, params: Params): number[] => fn.bounds.map((_, i) => params[`x${i}`] as number);
