import path from 'node:path';
import { BoundedBest } from '../analysis/boundedBest';
import { NeighbourhoodPass, pointEncoder, robustChoice, type PointEncoder, type RobustChoice } from '../analysis/neighbourhood';
import type { SelectSpec, SessionSpec } from '../types/session';
import { PointFile } from './pointFile';
import type { ScoredTrial } from '../analysis/trials';
import { trialRanksBefore } from '../search/ranking';

/** Ranked trials passed between beats of a long pass. */
const BEAT_EVERY = 100_000;

/**
 * The robust choice of a session, in bounded memory: while the trials are scanned, each ranked trial's id,
 * objective and normalised parameters go to a file in the scratch folder and the `top_k` best are kept; then
 * one pass over that file gathers the neighbourhood of each of the `top_k`.
 */
export class NeighbourhoodCollector {
  private readonly encoder: PointEncoder;
  private readonly points: PointFile;
  private readonly top: BoundedBest<ScoredTrial>;
  private readonly record: Float64Array;

  constructor(private readonly spec: SessionSpec, private readonly select: SelectSpec, scratchDir: string) {
    this.encoder = pointEncoder(spec.search.space);
    this.record = new Float64Array(2 + this.encoder.width);
    this.points = new PointFile(path.join(scratchDir, 'points.f64'), this.record.length);
    this.top = new BoundedBest<ScoredTrial>(select.topK, trialRanksBefore(spec.objective.direction));
  }

  add(t: ScoredTrial): void {
    this.record[0] = t.trialId;
    this.record[1] = t.objective;
    this.record.set(this.encoder.encode(t.params), 2);
    this.points.add(this.record);
    this.top.offer({ ...t, metrics: {} });
  }

  /** The `top_k` best with their neighbourhoods, and the trial `select.by` recommends. */
  choose(beat: () => void): RobustChoice {
    const centres = this.top.sorted().map((t, i) => ({ trialId: t.trialId, params: t.params, objective: t.objective, rank: i + 1 }));
    const pass = new NeighbourhoodPass(centres, this.encoder, this.select.radius, this.spec.objective.direction);
    const width = this.record.length;
    let seen = 0;
    for (const { values, records } of this.points.chunks()) {
      for (let r = 0; r < records; r++) pass.offer(values[r * width], values[r * width + 1], values, r * width + 2);
      seen += records;
      if (seen % BEAT_EVERY < records) beat();
    }
    return robustChoice(centres, pass.stats(), { ...this.select, direction: this.spec.objective.direction });
  }

  dispose(): void {
    this.points.dispose();
  }
}
