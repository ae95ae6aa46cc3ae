import { dot } from './linalg';

/** A smooth function to minimise: its value and gradient at x; a non-finite value marks x as outside its domain. */
export type SmoothFunction = (x: readonly number[]) => { value: number; gradient: number[] };

export interface LbfgsSettings {
  maxIterations: number;
  /** Stop once every free gradient component is at most this in magnitude (scipy's `gtol`). */
  gradientTolerance: number;
  /** Box constraints, one bound per coordinate; absent: unconstrained. */
  lower?: readonly number[];
  upper?: readonly number[];
  /** Correction pairs remembered (scipy's `maxcor`, 10). */
  memory?: number;
}

const ARMIJO = 1e-4;
const MAX_HALVINGS = 30;
/** Relative decrease of the value below which the search counts as converged (scipy's `ftol` is 2.2e-9). */
const RELATIVE_DECREASE = 1e-9;

/**
 * Minimises f by limited-memory BFGS (Nocedal and Wright, algorithm 7.4) with a backtracking Armijo line search
 * from the unit step. With bounds it is projected L-BFGS: coordinates held at a bound by the gradient are left
 * out of the direction, and every trial point is projected into the box. Deterministic: the same f and start give
 * the same iterates on every run. A start where f is not finite is returned as it is. Pairs with non-positive
 * curvature are skipped, so the implied Hessian stays positive definite; a direction that does not descend falls
 * back to steepest descent.
 */
export function minimizeLbfgs(f: SmoothFunction, start: readonly number[], settings: LbfgsSettings): { x: number[]; value: number; evaluations: number } {
  const memory = settings.memory ?? 10;
  const lower = settings.lower;
  const upper = settings.upper;
  const project = (v: number, i: number): number => Math.min(upper?.[i] ?? Infinity, Math.max(lower?.[i] ?? -Infinity, v));
  // Held: at a bound with the gradient pushing out of the box.
  const held = (x: readonly number[], g: readonly number[], i: number): boolean =>
    (lower !== undefined && (x[i] as number) <= (lower[i] as number) && (g[i] as number) > 0) ||
    (upper !== undefined && (x[i] as number) >= (upper[i] as number) && (g[i] as number) < 0);
  let x = start.map(project);
  let { value, gradient } = f(x);
  let evaluations = 1;
  if (!Number.isFinite(value)) return { x, value, evaluations };
  const steps: number[][] = [];
  const changes: number[][] = [];
  for (let iteration = 0; iteration < settings.maxIterations; iteration++) {
    const free = gradient.map((g, i) => (held(x, gradient, i) ? 0 : g));
    if (free.every((g) => Math.abs(g) <= settings.gradientTolerance)) break;
    let direction = twoLoop(free, steps, changes).map((d, i) => (free[i] === 0 ? 0 : d));
    if (dot(direction, free) >= 0) {
      direction = free.map((g) => -g);
      steps.length = 0;
      changes.length = 0;
    }
    // Without curvature pairs the direction is the raw gradient: keep the first step at most 1 in every coordinate.
    let t = steps.length === 0 ? Math.min(1, 1 / Math.max(...direction.map(Math.abs))) : 1;
    let next: { value: number; gradient: number[] } | null = null;
    let candidate = x;
    for (let halving = 0; halving < MAX_HALVINGS; halving++) {
      candidate = x.map((v, i) => project(v + t * (direction[i] as number), i));
      const predicted = dot(
        gradient,
        candidate.map((v, i) => v - (x[i] as number)),
      );
      if (!(predicted < 0)) break;
      const trial = f(candidate);
      evaluations++;
      if (Number.isFinite(trial.value) && trial.value <= value + ARMIJO * predicted) {
        next = trial;
        break;
      }
      t /= 2;
    }
    if (!next) break;
    const step = candidate.map((v, i) => v - (x[i] as number));
    const change = next.gradient.map((g, i) => g - (gradient[i] as number));
    if (dot(step, change) > 1e-12) {
      steps.push(step);
      changes.push(change);
      if (steps.length > memory) {
        steps.shift();
        changes.shift();
      }
    }
    const decrease = value - next.value;
    x = candidate;
    ({ value, gradient } = next);
    if (decrease <= RELATIVE_DECREASE * Math.max(Math.abs(value), 1)) break;
  }
  return { x, value, evaluations };
}

/** −H g by the two-loop recursion over the remembered pairs, oldest to newest (H0 scaled by the newest pair). */
function twoLoop(gradient: readonly number[], steps: readonly number[][], changes: readonly number[][]): number[] {
  const q = [...gradient];
  const k = steps.length;
  const alphas = new Array<number>(k);
  for (let i = k - 1; i >= 0; i--) {
    const s = steps[i] as number[];
    const y = changes[i] as number[];
    const a = dot(s, q) / dot(y, s);
    alphas[i] = a;
    for (let j = 0; j < q.length; j++) q[j] = (q[j] as number) - a * (y[j] as number);
  }
  const gamma = k > 0 ? dot(steps[k - 1] as number[], changes[k - 1] as number[]) / dot(changes[k - 1] as number[], changes[k - 1] as number[]) : 1;
  for (let j = 0; j < q.length; j++) q[j] = (q[j] as number) * gamma;
  for (let i = 0; i < k; i++) {
    const s = steps[i] as number[];
    const y = changes[i] as number[];
    const b = dot(y, q) / dot(y, s);
    for (let j = 0; j < q.length; j++) q[j] = (q[j] as number) + ((alphas[i] as number) - b) * (s[j] as number);
  }
  return q.map((v) => -v);
}
