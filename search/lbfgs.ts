import { dot } from './linalg';

/** A smooth function to minimise: its value and gradient at x; a non-finite value marks x as outside its domain. */
export type SmoothFunction = (x: readonly number[]) => { value: number; gradient: number[] };

export interface LbfgsSettings {
  maxIterations: number;
  /** Stop once every gradient component is at most this in magnitude (scipy's `gtol`). */
  gradientTolerance: number;
  /** Correction pairs remembered (scipy's `maxcor`, 10). */
  memory?: number;
}

const ARMIJO = 1e-4;
const MAX_HALVINGS = 30;
/** Relative decrease of the value below which the search counts as converged (scipy's `ftol` is 2.2e-9). */
const RELATIVE_DECREASE = 1e-9;

/**
 * Minimises f by limited-memory BFGS (Nocedal and Wright, algorithm 7.4) with a backtracking Armijo line search
 * from the unit step. Deterministic: the same f and start give the same iterates on every run. A start where f is
 * not finite is returned as it is. Pairs with non-positive curvature are skipped, so the implied Hessian stays
 * positive definite; a direction that does not descend falls back to steepest descent.
 */
export function minimizeLbfgs(f: SmoothFunction, start: readonly number[], settings: LbfgsSettings): { x: number[]; value: number } {
  const memory = settings.memory ?? 10;
  let x = [...start];
  let { value, gradient } = f(x);
  if (!Number.isFinite(value)) return { x, value };
  const steps: number[][] = [];
  const changes: number[][] = [];
  for (let iteration = 0; iteration < settings.maxIterations; iteration++) {
    if (gradient.every((g) => Math.abs(g) <= settings.gradientTolerance)) break;
    let direction = twoLoop(gradient, steps, changes);
    if (dot(direction, gradient) >= 0) {
      direction = gradient.map((g) => -g);
      steps.length = 0;
      changes.length = 0;
    }
    const slope = dot(direction, gradient);
    // Without curvature pairs the direction is the raw gradient: keep the first step at most 1 in every coordinate.
    let t = steps.length === 0 ? Math.min(1, 1 / Math.max(...direction.map(Math.abs))) : 1;
    let next: { value: number; gradient: number[] } | null = null;
    let candidate = x;
    for (let halving = 0; halving < MAX_HALVINGS; halving++) {
      candidate = x.map((v, i) => v + t * (direction[i] as number));
      const trial = f(candidate);
      if (Number.isFinite(trial.value) && trial.value <= value + ARMIJO * t * slope) {
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
  return { x, value };
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
