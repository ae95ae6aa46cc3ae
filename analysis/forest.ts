import { Prng } from '../search/prng';

/** A leaf of a regression tree as a box of the unit cube, [lower, upper) per feature, and its prediction. */
export interface Leaf {
  lower: number[];
  upper: number[];
  value: number;
}

export interface ForestOptions {
  trees: number;
  maxDepth: number;
  seed: number;
}

/**
 * A random forest regressor shaped like scikit-learn's defaults as Optuna's fANOVA uses them: bootstrap
 * samples, every feature considered at each split, squared-error splits at midpoints between adjacent
 * distinct values, grown until leaves are pure or hold one distinct point. Features lie in [0, 1]; each
 * tree is returned as its leaves, which tile the unit cube.
 *
 * @param columns one array per feature, each with one value per sample
 */
export function fitForest(columns: readonly Float64Array[], y: readonly number[], options: ForestOptions): Leaf[][] {
  const rng = Prng.fromSeed(options.seed, 0x464f52);
  const n = y.length;
  const forest: Leaf[][] = [];
  for (let k = 0; k < options.trees; k++) {
    const sample = new Int32Array(n);
    for (let i = 0; i < n; i++) sample[i] = rng.below(n);
    const leaves: Leaf[] = [];
    const d = columns.length;
    grow(columns, y, sample, 0, options.maxDepth, new Array(d).fill(0), new Array(d).fill(1), leaves);
    forest.push(leaves);
  }
  return forest;
}

function grow(columns: readonly Float64Array[], y: readonly number[], idx: Int32Array, depth: number, maxDepth: number,
  lower: number[], upper: number[], leaves: Leaf[]): void {
  let sum = 0, sumSq = 0;
  for (const i of idx) {
    sum += y[i];
    sumSq += y[i] * y[i];
  }
  const m = idx.length;
  const impurity = sumSq - (sum * sum) / m;
  const split = depth < maxDepth && m >= 2 && impurity > 1e-12 * Math.max(1, sumSq) ? bestSplit(columns, y, idx, sum) : null;
  if (!split) {
    leaves.push({ lower: [...lower], upper: [...upper], value: sum / m });
    return;
  }
  const col = columns[split.feature];
  const left = idx.filter((i) => col[i] <= split.threshold);
  const right = idx.filter((i) => col[i] > split.threshold);
  grow(columns, y, left, depth + 1, maxDepth, lower, upper.map((u, f) => (f === split.feature ? split.threshold : u)), leaves);
  grow(columns, y, right, depth + 1, maxDepth, lower.map((l, f) => (f === split.feature ? split.threshold : l)), upper, leaves);
}

/** The split with the largest drop in squared error; the first feature wins ties, so trees are reproducible. */
function bestSplit(columns: readonly Float64Array[], y: readonly number[], idx: Int32Array, total: number): { feature: number; threshold: number } | null {
  const m = idx.length;
  let best: { feature: number; threshold: number } | null = null;
  // Minimising the children's squared error is maximising sumL²/nL + sumR²/nR.
  let bestGain = (total * total) / m;
  for (let f = 0; f < columns.length; f++) {
    const col = columns[f];
    const order = Array.from(idx).sort((a, b) => col[a] - col[b]);
    let left = 0;
    for (let j = 0; j < m - 1; j++) {
      left += y[order[j]];
      const here = col[order[j]], next = col[order[j + 1]];
      if (next <= here) continue;
      const nl = j + 1, right = total - left;
      const gain = (left * left) / nl + (right * right) / (m - nl);
      if (gain > bestGain * (1 + 1e-12)) {
        bestGain = gain;
        best = { feature: f, threshold: (here + next) / 2 };
      }
    }
  }
  return best;
}
