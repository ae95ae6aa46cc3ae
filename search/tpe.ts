import type { Algorithm, Candidate, ProposeContext } from './algorithm';
import { bySeq, remember, type Observation, type ObservationMemory } from './memory';
import type { ResolvedOptions } from './options';
import { Parzen, rampWeights } from './parzen';
import type { Prng } from './prng';
import type { Space } from './space';

/** Optuna's gamma never puts more than 25 observations in the good group, so the best 25 are always kept. */
export const KEEP_BEST = 25;

/**
 * What TPE remembers: the best KEEP_BEST observations ever, plus the most recent others up to `history` in all.
 *
 * Why that bounds it without hurting much: the good group l(x) (the best min(ceil(n/10), 25)) is always exact.
 * Only the bad group g(x) is cut, to the latest observations; Optuna's own weights already fade older ones
 * linearly towards 1/n, and g(x) only has to say where not to look. The cost: regions explored long ago and
 * forgotten may be proposed again (at most once each in a finite space, where duplicates are skipped). The state
 * stays near history x (dims + 2) numbers (history 500 by default, fewer above 39 dims: about 80 kB for 6 dims), and a proposal costs O(history), flat in n.
 */
export type TpeState = ObservationMemory;

/**
 * Tree-structured Parzen Estimator, after Optuna's TPESampler: `nStartupTrials` random trials, then split the
 * observations into good (the best min(ceil(n/10), 25)) and bad, fit a Parzen estimator l(x) to the good and
 * g(x) to the bad (trials still pending join the bad group: the constant liar), draw `nEiCandidates` points from
 * l and rank them by l(x)/g(x), the expected-improvement criterion. `multivariate` (default, as in Optuna 5)
 * draws whole points from one kernel; otherwise each parameter is chosen on its own.
 */
export const tpe: Algorithm<TpeState> = {
  adaptive: true,
  options: {
    nStartupTrials: { type: 'number', default: 10, min: 0, integer: true },
    nEiCandidates: { type: 'number', default: 24, min: 1, max: 10_000, integer: true },
    multivariate: { type: 'boolean', default: true },
    constantLiar: { type: 'boolean', default: true },
    priorWeight: { type: 'number', default: 1, min: 1e-9 },
    history: { type: 'number', default: null, min: 50, integer: true },
  },
  shuffledWalk: () => true,
  init: () => ({ count: 0, best: [], recent: [] }),

  propose(state, ctx) {
    if (state.count < (ctx.options.nStartupTrials as number)) return [{ x: ctx.space.uniform(ctx.rng) }];
    const { l, g } = estimators(state, ctx);
    return candidatesFrom(l, g, ctx.space, ctx.rng, ctx.options);
  },

  observe(state, x, loss, _tag, { space, options }) {
    remember(state, space.snap(x), loss, KEEP_BEST, Math.max(historyLimit(options, space.dims.length), KEEP_BEST));
  },

};

/**
 * l(x) over the good group (the best min(ceil(n/10), 25), equal weights) and g(x) over the rest, older ones
 * fading (with the constant liar, the pending points join g as the latest).
 */
export function estimators(state: TpeState, { space, options, pending }: Omit<ProposeContext, 'rng'>): { l: Parzen; g: Parzen } {
  const nBelow = Math.min(Math.ceil(0.1 * state.count), KEEP_BEST, state.best.length);
  const below = state.best.slice(0, nBelow).sort(bySeq);
  const above = mergeBySeq(state.best.slice(nBelow).sort(bySeq), state.recent).map((o) => o.x);
  if (options.constantLiar) above.push(...pending.map((x) => space.snap(x)));
  const prior = options.priorWeight as number;
  const l = new Parzen(space.dims, below.map((o) => o.x), new Array<number>(below.length).fill(1), prior);
  const g = new Parzen(space.dims, above, rampWeights(above.length), prior);
  return { l, g };
}

/** Two lists sorted by seq (and sharing none) as one. */
function mergeBySeq(a: readonly Observation[], b: readonly Observation[]): Observation[] {
  const out: Observation[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) out.push(j >= b.length || (i < a.length && a[i]!.seq < b[j]!.seq) ? a[i++]! : b[j++]!);
  return out;
}

/** Observations TPE remembers: the `history` option, or by default 500, fewer beyond 39 dims, at least 100. */
export function historyLimit(options: Record<string, unknown>, dims: number): number {
  return (options.history as number | null) ?? Math.max(100, Math.min(500, Math.floor(20_000 / (dims + 1))));
}

/**
 * `nEiCandidates` draws from l ranked by l(x)/g(x), best first: whole points (`multivariate`), or each
 * parameter drawn and ranked on its own.
 */
export function candidatesFrom(l: Parzen, g: Parzen, space: Space, rng: Prng, options: ResolvedOptions): Candidate[] {
  const count = options.nEiCandidates as number;
  if (options.multivariate) return ranked(l, g, Array.from({ length: count }, () => l.sample(rng)));
  const perDim = space.dims.map((_, j) => ranked(l, g, Array.from({ length: count }, () => l.sample(rng, j)), j));
  return Array.from({ length: count }, (_, r) => ({ x: perDim.map((list, j) => (list[r] as Candidate).x[j] as number) }));
}

/** Candidates by l(x) / g(x), best first (ties keep draw order). */
function ranked(l: Parzen, g: Parzen, points: number[][], only?: number): Candidate[] {
  const ll = l.logPdf(points, only);
  const lg = g.logPdf(points, only);
  return points
    .map((x, i) => {
      const score = (ll[i] as number) - (lg[i] as number);
      return { x, score: Number.isNaN(score) ? -Infinity : score, i };
    })
    .sort((a, b) => b.score - a.score || a.i - b.i)
    .map(({ x }) => ({ x }));
}
