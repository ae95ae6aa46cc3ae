import type { Algorithm, Candidate, WarmPoint } from './algorithm';
import { identity, matTVec, matVec, norm, symmetricEigen, type Matrix } from './linalg';
import type { Prng } from './prng';
import type { Space } from './space';

interface CmaState {
  /** Generation counter across restarts; proposals carry it as their tag and stale results are dropped. */
  gen: number;
  /** Generations since the last (re)start, for the evolution-path correction. */
  age: number;
  restarts: number;
  lambda: number;
  mean: number[];
  sigma: number;
  C: Matrix;
  /** Eigenvectors (columns) and square roots of the eigenvalues of C. */
  B: Matrix;
  D: number[];
  pc: number[];
  ps: number[];
  /** Results of the current generation. */
  solutions: { x: number[]; loss: number }[];
  /** Best loss of each recent generation, for the flat-fitness stop. */
  history: number[];
  /** Results from outside the distribution (duplicates or infeasible points replaced) since the last update. */
  foreign: number;
}

const TOL_FUN = 1e-12;
const TOL_X = 1e-12;
/** Share of an earlier search's best points a warm start fits the distribution to (WS-CMA-ES's gamma). */
const WARM_GAMMA = 0.1;
/** Spread added to that fit in every direction, in unit coordinates (WS-CMA-ES's alpha). */
const WARM_ALPHA = 0.1;

/** Upper standard normal quantile for a small tail probability (Abramowitz and Stegun 26.2.23, error < 5e-4). */
function upperQuantile(p: number): number {
  const t = Math.sqrt(-2 * Math.log(p));
  return t - (2.515517 + 0.802853 * t + 0.010328 * t * t) / (1 + 1.432788 * t + 0.189269 * t * t + 0.001308 * t * t * t);
}

function constants(n: number, lambda: number) {
  const mu = Math.floor(lambda / 2);
  const raw = Array.from({ length: mu }, (_, i) => Math.log((lambda + 1) / 2) - Math.log(i + 1));
  const sum = raw.reduce((a, b) => a + b, 0);
  const weights = raw.map((w) => w / sum);
  const muEff = 1 / weights.reduce((a, w) => a + w * w, 0);
  const cc = (4 + muEff / n) / (n + 4 + (2 * muEff) / n);
  const cs = (muEff + 2) / (n + muEff + 5);
  const c1 = 2 / ((n + 1.3) ** 2 + muEff);
  const cmu = Math.min(1 - c1, (2 * (muEff - 2 + 1 / muEff)) / ((n + 2) ** 2 + muEff));
  const ds = 1 + 2 * Math.max(0, Math.sqrt((muEff - 1) / (n + 1)) - 1) + cs;
  const chiN = Math.sqrt(n) * (1 - 1 / (4 * n) + 1 / (21 * n * n));
  return { mu, weights, muEff, cc, cs, c1, cmu, ds, chiN };
}

function start(state: CmaState, mean: number[], sigma: number, lambda: number): void {
  const n = mean.length;
  Object.assign(state, { age: 0, lambda, mean, sigma, C: identity(n), B: identity(n), D: new Array<number>(n).fill(1) });
  Object.assign(state, { pc: new Array<number>(n).fill(0), ps: new Array<number>(n).fill(0), solutions: [], history: [], foreign: 0 });
  state.gen++;
}

/**
 * Keeps each discrete coordinate's spread at least wide enough to leave its cell with probability 1/(n lambda),
 * after CMA-ES with Margin (Hamano et al. 2022), so that integer and categorical coordinates never freeze.
 */
function applyMargin(state: CmaState, space: Space): void {
  const n = state.mean.length;
  const z = upperQuantile(1 / (2 * n * state.lambda));
  space.dims.forEach((d, i) => {
    if (d.kind === 'continuous') return;
    const minStd = 1 / d.size / (2 * z);
    const row = state.C[i] as number[];
    if (state.sigma * Math.sqrt(row[i] as number) < minStd) row[i] = (minStd / state.sigma) ** 2;
  });
}

function shouldStop(state: CmaState): boolean {
  const { D, B, sigma, mean, pc, C, history, lambda, solutions } = state;
  const n = mean.length;
  const window = 10 + Math.ceil((30 * n) / lambda);
  const losses = [...history, ...solutions.map((s) => s.loss)];
  if (history.length >= window && Math.max(...losses) - Math.min(...losses) < TOL_FUN) return true;
  if (pc.every((p, i) => sigma * Math.abs(p) < TOL_X && sigma * Math.sqrt(C[i]![i] as number) < TOL_X)) return true;
  if (Math.max(...D) > 1e7 * Math.min(...D)) return true;
  const axis = state.age % n;
  if (mean.every((m, i) => m + 0.1 * sigma * (D[axis] as number) * (B[i]![axis] as number) === m)) return true;
  return mean.some((m, i) => m + 0.2 * sigma * Math.sqrt(C[i]![i] as number) === m);
}

function tell(state: CmaState, space: Space, rng: Prng, options: Record<string, unknown>): void {
  const n = state.mean.length;
  const k = constants(n, state.lambda);
  const sorted = [...state.solutions].sort((a, b) => a.loss - b.loss).slice(0, k.mu);
  const ys = sorted.map((s) => s.x.map((x, i) => (x - (state.mean[i] as number)) / state.sigma));
  const yw = state.mean.map((_, i) => ys.reduce((acc, y, j) => acc + (k.weights[j] as number) * (y[i] as number), 0));
  state.mean = state.mean.map((m, i) => m + state.sigma * (yw[i] as number));
  // C^(-1/2) yw = B D^-1 Bᵀ yw
  const invSqrt = matVec(state.B, matTVec(state.B, yw).map((v, i) => v / (state.D[i] as number)));
  state.ps = state.ps.map((p, i) => (1 - k.cs) * p + Math.sqrt(k.cs * (2 - k.cs) * k.muEff) * (invSqrt[i] as number));
  state.age++;
  const hs = norm(state.ps) / Math.sqrt(1 - (1 - k.cs) ** (2 * state.age)) < (1.4 + 2 / (n + 1)) * k.chiN ? 1 : 0;
  state.pc = state.pc.map((p, i) => (1 - k.cc) * p + hs * Math.sqrt(k.cc * (2 - k.cc) * k.muEff) * (yw[i] as number));
  const decay = 1 - k.c1 - k.cmu + (1 - hs) * k.c1 * k.cc * (2 - k.cc);
  state.C = state.C.map((row, i) =>
    row.map((c, j) => {
      const rankMu = ys.reduce((acc, y, r) => acc + (k.weights[r] as number) * (y[i] as number) * (y[j] as number), 0);
      return decay * c + k.c1 * (state.pc[i] as number) * (state.pc[j] as number) + k.cmu * rankMu;
    }),
  );
  state.sigma *= Math.exp((k.cs / k.ds) * (norm(state.ps) / k.chiN - 1));
  applyMargin(state, space);
  const { values, vectors } = symmetricEigen(state.C);
  state.B = vectors;
  state.D = values.map((v) => Math.sqrt(Math.max(v, 1e-30)));
  state.history.push(sorted[0]?.loss ?? 0);
  if (state.history.length > 10 + Math.ceil((30 * n) / state.lambda)) state.history.shift();
  const stop = shouldStop(state);
  state.solutions = [];
  state.foreign = 0;
  state.gen++;
  if (stop && options.restarts === 'ipop') restart(state, space, rng, options);
}

/**
 * Warm-starting CMA-ES (Nomura et al. 2021, as Optuna's `source_trials` and the cmaes library's
 * `get_warm_start_mgd`): the best WARM_GAMMA of the earlier points (at least one) give the mean and, plus
 * WARM_ALPHA² in every direction, the covariance Σ; the step size is det(Σ)^(1/2n) and C = Σ / det(Σ)^(1/n),
 * so that σ²C = Σ. The first generation then samples where the earlier search found its best.
 */
function warmStart(state: CmaState, points: readonly WarmPoint[], space: Space): void {
  if (points.length === 0) return;
  const n = state.mean.length;
  const best = [...points].sort((a, b) => a.loss - b.loss).slice(0, Math.max(1, Math.floor(WARM_GAMMA * points.length)));
  const mean = state.mean.map((_, i) => best.reduce((s, p) => s + (p.x[i] as number), 0) / best.length);
  const sigma2 = state.mean.map((_, i) =>
    state.mean.map((__, j) => {
      const moment = best.reduce((s, p) => s + (p.x[i] as number) * (p.x[j] as number), 0) / best.length;
      return moment - (mean[i] as number) * (mean[j] as number) + (i === j ? WARM_ALPHA ** 2 : 0);
    }),
  );
  // det(Σ) from its eigenvalues, in logs: Σ is positive definite (the alpha term), and tiny in many dims.
  const logDet = symmetricEigen(sigma2).values.reduce((s, v) => s + Math.log(Math.max(v, 1e-300)), 0);
  const scale = Math.exp(logDet / n);
  state.mean = mean;
  state.sigma = Math.sqrt(scale);
  state.C = sigma2.map((row) => row.map((v) => v / scale));
  applyMargin(state, space);
  const { values, vectors } = symmetricEigen(state.C);
  state.B = vectors;
  state.D = values.map((v) => Math.sqrt(Math.max(v, 1e-30)));
}

function restart(state: CmaState, space: Space, rng: Prng, options: Record<string, unknown>): void {
  state.restarts++;
  const lambda = Math.round(state.lambda * (options.incPopsize as number));
  start(state, space.uniform(rng), options.sigma0 as number, lambda);
}

/**
 * CMA-ES (Hansen's tutorial formulation) in the unit cube: a generation of `lambda` results updates the mean,
 * step size and covariance; results arrive in any order and those of an older generation are dropped, as in
 * Optuna's CmaEsSampler. Out-of-bounds draws are redrawn (up to 100 times) then clipped; discrete coordinates are
 * rounded by the space and keep a minimum spread (margin). With `restarts: 'ipop'` (default), a stalled run
 * restarts from a random mean with a population `incPopsize` times larger. A warm start fits the first
 * distribution to an earlier search's best points (WS-CMA-ES) instead of counting them as foreign results.
 */
export const cmaes: Algorithm<CmaState> = {
  adaptive: true,
  options: {
    sigma0: { type: 'number', default: 1 / 6, min: 1e-6, max: 1 },
    popsize: { type: 'number', default: null, min: 2, integer: true },
    restarts: { type: 'enum', default: 'ipop', values: ['ipop', 'none'] },
    incPopsize: { type: 'number', default: 2, min: 1 },
  },
  shuffledWalk: () => true,
  init(space, options) {
    const n = space.dims.length;
    const lambda = (options.popsize as number | null) ?? 4 + Math.floor(3 * Math.log(n));
    const state = { gen: 0, restarts: 0 } as CmaState;
    start(state, new Array<number>(n).fill(0.5), options.sigma0 as number, lambda);
    return state;
  },
  propose(state, { rng }) {
    const candidates: Candidate[] = [];
    for (let c = 0; c < 10; c++) candidates.push({ x: sample(state, rng), tag: state.gen });
    return candidates;
  },
  observe(state, x, loss, tag, { space, rng, options }) {
    if (tag === undefined) {
      if (++state.foreign >= state.lambda && options.restarts === 'ipop') restart(state, space, rng, options);
      return;
    }
    if (tag !== state.gen) return;
    state.solutions.push({ x: [...x], loss });
    if (state.solutions.length >= state.lambda) tell(state, space, rng, options);
  },
  warmStart: (state, points, { space }) => warmStart(state, points, space),
};

function sample(state: CmaState, rng: Prng): number[] {
  let x: number[] = state.mean;
  for (let i = 0; i < 100; i++) {
    const z = state.D.map((d) => d * rng.normal());
    x = matVec(state.B, z).map((y, j) => (state.mean[j] as number) + state.sigma * y);
    if (x.every((v) => v >= 0 && v <= 1)) return x;
  }
  return x.map((v) => (v < 0 ? 0 : v > 1 ? 1 : v));
}

