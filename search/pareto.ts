/**
 * Pareto dominance over loss vectors: every objective is minimised (negate one to maximise it). Pure and
 * deterministic; ties keep the order of the input, so equal inputs give equal outputs everywhere.
 */

/** Objectives one session may have at most: beyond four nearly every trial is non-dominated, and hypervolume grows costly. */
export const MAX_OBJECTIVES = 4;

/** True when `a` is no worse than `b` in every objective and better in at least one. */
export function dominates(a: readonly number[], b: readonly number[]): boolean {
  let better = false;
  for (let j = 0; j < a.length; j++) {
    const x = a[j] as number;
    const y = b[j] as number;
    if (x > y) return false;
    if (x < y) better = true;
  }
  return better;
}

/**
 * The non-dominated fronts of `points`, best first, as indexes in input order (Deb et al. 2002, fast
 * non-dominated sort, O(k n^2)): front 1 holds the points no other point dominates, front 2 those only front 1
 * dominates, and so on. Equal points share a front.
 */
export function nonDominatedSort(points: readonly (readonly number[])[]): number[][] {
  const n = points.length;
  const dominatedBy = new Int32Array(n);
  const dominating: number[][] = Array.from({ length: n }, () => []);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const a = points[i] as number[];
      const b = points[j] as number[];
      if (dominates(a, b)) {
        (dominating[i] as number[]).push(j);
        dominatedBy[j]++;
      } else if (dominates(b, a)) {
        (dominating[j] as number[]).push(i);
        dominatedBy[i]++;
      }
    }
  }
  const fronts: number[][] = [];
  let current: number[] = [];
  for (let i = 0; i < n; i++) if (dominatedBy[i] === 0) current.push(i);
  while (current.length > 0) {
    fronts.push(current);
    const next: number[] = [];
    for (const i of current) {
      for (const j of dominating[i] as number[]) if (--dominatedBy[j] === 0) next.push(j);
    }
    current = next.sort((a, b) => a - b);
  }
  return fronts;
}

/** The indexes of the points no other point dominates, in input order. */
export function paretoFront(points: readonly (readonly number[])[]): number[] {
  return points.flatMap((p, i) => (points.some((q) => dominates(q, p)) ? [] : [i]));
}

/**
 * Crowding distance of each point of one front (Deb et al. 2002): per objective, the gap between a point's two
 * neighbours in that objective over the front's range, summed; the two ends of every objective get Infinity,
 * so selection by larger distance keeps the front's extremes and spreads the rest.
 */
export function crowdingDistance(points: readonly (readonly number[])[]): number[] {
  const n = points.length;
  const distance = new Array<number>(n).fill(0);
  if (n === 0) return distance;
  const k = (points[0] as number[]).length;
  for (let j = 0; j < k; j++) {
    const value = (i: number) => (points[i] as number[])[j] as number;
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => value(a) - value(b) || a - b);
    const lo = value(order[0] as number);
    const hi = value(order[n - 1] as number);
    distance[order[0] as number] = Infinity;
    distance[order[n - 1] as number] = Infinity;
    if (hi === lo) continue;
    for (let r = 1; r < n - 1; r++) {
      const i = order[r] as number;
      distance[i] += (value(order[r + 1] as number) - value(order[r - 1] as number)) / (hi - lo);
    }
  }
  return distance;
}

/**
 * The volume `points` dominate inside the box bounded by `reference` (exact, by slicing one objective at a
 * time; O(n^(k-1) log n), fine for the few dozen points it is used on). Points not better than the reference
 * in every objective add nothing.
 */
export function hypervolume(points: readonly (readonly number[])[], reference: readonly number[]): number {
  const inside = points.filter((p) => p.every((v, j) => v < (reference[j] as number)));
  return slicedVolume(inside, reference, reference.length);
}

function slicedVolume(points: readonly (readonly number[])[], reference: readonly number[], dims: number): number {
  const n = points.length;
  if (n === 0) return 0;
  if (dims === 1) return (reference[0] as number) - Math.min(...points.map((p) => p[0] as number));
  const last = dims - 1;
  const sorted = [...points].sort((a, b) => (a[last] as number) - (b[last] as number));
  const top = (i: number) => (i + 1 < n ? ((sorted[i + 1] as number[])[last] as number) : (reference[last] as number));
  let volume = 0;
  if (dims === 2) {
    // The staircase, swept upwards: each slice is as wide as the best first objective below it.
    let left = Infinity;
    for (let i = 0; i < n; i++) {
      const p = sorted[i] as number[];
      left = Math.min(left, p[0] as number);
      volume += (top(i) - (p[1] as number)) * ((reference[0] as number) - left);
    }
    return volume;
  }
  for (let i = 0; i < n; i++) {
    const height = top(i) - ((sorted[i] as number[])[last] as number);
    if (height > 0) volume += height * slicedVolume(sorted.slice(0, i + 1), reference, last);
  }
  return volume;
}

/**
 * What each point adds to the hypervolume of all of them: the volume only it dominates, i.e. its own box less
 * what the others cover of it (their corners moved into the box; only the non-dominated ones count, which keeps
 * each volume small).
 */
export function hypervolumeContributions(points: readonly (readonly number[])[], reference: readonly number[]): number[] {
  return points.map((p, i) => {
    if (!p.every((v, j) => v < (reference[j] as number))) return 0;
    const box = p.reduce((volume, v, j) => volume * ((reference[j] as number) - v), 1);
    const clipped = points.flatMap((q, j) => (j === i ? [] : [q.map((v, m) => Math.max(v, p[m] as number))]));
    const covered = hypervolume(paretoFront(clipped).map((j) => clipped[j] as number[]), reference);
    return Math.max(0, box - covered);
  });
}

/**
 * A reference point just worse than every point, as Optuna's multi-objective TPE takes it: per objective the
 * worst value moved 10 % further away from zero (a worst value of 0 becomes a tiny positive number).
 */
export function referencePoint(points: readonly (readonly number[])[]): number[] {
  const k = (points[0] as number[]).length;
  return Array.from({ length: k }, (_, j) => {
    const worst = Math.max(...points.map((p) => p[j] as number));
    const moved = Math.max(1.1 * worst, 0.9 * worst);
    return moved === 0 ? 1e-12 : moved;
  });
}
