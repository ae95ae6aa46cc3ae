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
    bounds: Array.from({ length: 6 }, (): [number, number] => [0, 1]),
    minimum: -3.32236801141551,
    f: (x) => -HARTMANN_ALPHA.reduce((sum, alpha, i) => sum + alpha * Math.exp(-x.reduce((s, xj, j) => s + HARTMANN_A[i]![j]! * (xj - HARTMANN_P[i]![j]!) ** 2, 0)), 0),
  },
  {
    name: 'rosenbrock4',
    label: 'Rosenbrock 4-D',
    bounds: Array.from({ length: 4 }, (): [number, number] => [-5, 10]),
    minimum: 0,
    f: (x) => x.slice(0, -1).reduce((s, xi, i) => s + 100 * (x[i + 1]! - xi * xi) ** 2 + (1 - xi) ** 2, 0),
  },
  {
    name: 'ackley5',
    label: 'Ackley 5-D',
    bounds: Array.from({ length: 5 }, (): [number, number] => [-32.768, 32.768]),
    minimum: 0,
    f: (x) => {
      const n = x.length;
      const sq = x.reduce((s, v) => s + v * v, 0) / n;
      const cos = x.reduce((s, v) => s + Math.cos(2 * Math.PI * v), 0) / n;
      return -20 * Math.exp(-0.2 * Math.sqrt(sq)) - Math.exp(cos) + 20 + Math.E;
    },
  },
];

export function spaceOf(fn: TestFunction): SearchSpace {
  return Object.fromEntries(fn.bounds.map(([low, high], i) => [`x${i}`, { type: 'float', low, high }]));
}

export const pointOf = (fn: TestFunction, params: Params): number[] => fn.bounds.map((_, i) => params[`x${i}`] as number);
