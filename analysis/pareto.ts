import { crowdingDistance, dominates } from '../search/pareto';
import type { Direction, Params } from '../search/types';

/** Non-dominated trials an archive keeps at most; sessions rarely have fronts of more than a few hundred. */
export const FRONT_CAPACITY = 1000;

export interface Objective {
  metric: string;
  direction: Direction;
}

/** A trial with a value for every objective, in their order. */
export interface FrontTrial {
  trialId: number;
  params: Params;
  values: number[];
}

/**
 * The Pareto front of a stream of trials, kept as the stream goes, so a session of any size needs only the front
 * in memory: a trial that a kept one dominates is dropped; one that no kept trial dominates joins, and every
 * kept trial it dominates leaves. Trials with equal values are all kept (neither dominates the other).
 *
 * Exact up to `capacity` trials. Beyond, the kept trial with the smallest crowding distance (the one with the
 * closest neighbours on every objective; the latest trial on a tie) leaves, so the front keeps its ends and its
 * spread; `thinned` counts them, and a trial only a thinned one would have dominated may then join.
 */
export class ParetoArchive {
  private readonly kept: Array<FrontTrial & { losses: number[] }> = [];
  /** Non-dominated trials dropped to stay within capacity. */
  thinned = 0;

  constructor(
    private readonly directions: readonly Direction[],
    private readonly capacity = FRONT_CAPACITY,
  ) {}

  offer(trial: FrontTrial): void {
    const losses = trial.values.map((v, j) => (this.directions[j] === 'maximize' ? -v : v));
    if (!losses.every(Number.isFinite)) return;
    if (this.kept.some((k) => dominates(k.losses, losses))) return;
    for (let i = this.kept.length - 1; i >= 0; i--) if (dominates(losses, this.kept[i].losses)) this.kept.splice(i, 1);
    this.kept.push({ ...trial, values: [...trial.values], losses });
    if (this.kept.length > this.capacity) {
      const distance = crowdingDistance(this.kept.map((k) => k.losses));
      let out = 0;
      distance.forEach((d, i) => {
        if (d < distance[out] || (d === distance[out] && this.kept[i].trialId > this.kept[out].trialId)) out = i;
      });
      this.kept.splice(out, 1);
      this.thinned++;
    }
  }

  /** The front, best first by the first objective, then the second, and so on (ties: the lower id). */
  front(): FrontTrial[] {
    return [...this.kept]
      .sort((a, b) => compareLosses(a.losses, b.losses) || a.trialId - b.trialId)
      .map(({ trialId, params, values }) => ({ trialId, params, values }));
  }
}

function compareLosses(a: readonly number[], b: readonly number[]): number {
  for (let j = 0; j < a.length; j++) if (a[j] !== b[j]) return a[j] - b[j];
  return 0;
}

/** A front trial as the outputs show it, with its weighted rank. */
export interface ParetoRow extends FrontTrial {
  /** Its place in the weighted rank over all trials; null when it takes no part (a weighted metric is undefined). */
  weightedRank: number | null;
  metrics: Record<string, number | null>;
}

/** A session's Pareto front and which of its trials the weighted rank recommends: what the outputs report. */
export interface ParetoResult {
  objectives: Objective[];
  /** Best first by the first objective (ties: the next objective, then the lower id). */
  rows: ParetoRow[];
  /** The front trial with the best weighted rank; null when none has one. */
  recommended: number | null;
  /** The weights of that rank. */
  weights: Record<string, number>;
  /** Non-dominated trials left out to keep the front within {@link FRONT_CAPACITY}; 0 when it is exact. */
  thinned: number;
}

/** The trial the weighted rank recommends among the front: the one it ranks highest. */
export function recommendedOf(rows: readonly ParetoRow[]): number | null {
  let best: ParetoRow | null = null;
  for (const row of rows) if (row.weightedRank !== null && (best === null || row.weightedRank < (best.weightedRank as number))) best = row;
  return best?.trialId ?? null;
}

/** One sentence on what the front is and which trial the weighted rank recommends, for summary.md and report.html. */
export function paretoSentence(pareto: ParetoResult): string {
  const objectives = pareto.objectives.map((o) => `${o.direction} ${o.metric}`).join(', ');
  const weights = Object.keys(pareto.weights).sort().map((m) => `${m} ${pareto.weights[m]}`).join(', ');
  const n = pareto.rows.length;
  const front = `${n} trial${n === 1 ? ' is' : 's are'} non-dominated on ${objectives}: no other trial is as good on every objective and better on one.`;
  const thinned = pareto.thinned > 0
    ? ` The front had more than ${FRONT_CAPACITY} trials, so ${pareto.thinned} of them, each the most crowded by its neighbours when it left, are not listed.`
    : '';
  const recommended = pareto.recommended === null
    ? ' No trial of the front takes part in the weighted rank, so none is recommended.'
    : ` The weighted rank (${weights}) recommends trial ${pareto.recommended}.`;
  return front + thinned + recommended;
}
