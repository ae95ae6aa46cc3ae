import { BoundedBest } from '../analysis/boundedBest';
import { perPeriodSharpe } from '../analysis/deflatedSharpe';
import { assessOverfitting, unassessed, type OverfittingReport } from '../analysis/overfitting';
import { Reservoir } from '../analysis/reservoir';
import { PBO_LIMITS } from '../config/schema';
import { InputError } from '../errors';
import type { PboSpec, SessionSpec } from '../types/session';
import { periodReturnSource, type PeriodReturnSource } from '../evaluators/backtest';
import type { ScoredTrial } from '../analysis/trials';
import { trialRanksBefore } from '../search/ranking';

const COMMAND_EVALUATOR =
  'The evaluator is an external command, which reports metrics but no per-period returns, and the probabilistic and deflated Sharpe ratios, the effective number of trials and PBO all need returns.';

/** The session's PBO settings, or the defaults for sessions started before they existed. */
export function pboSettings(spec: SessionSpec): PboSpec {
  return spec.pbo ?? { sample: PBO_LIMITS.sample, blocks: PBO_LIMITS.blocks };
}

/**
 * Collects what the overfitting statistics need from a session's (or a walk-forward split's) ranked trials,
 * offered one by one, in bounded memory: the best by the objective, a seeded uniform sample of K trials, and
 * the running mean and variance of every trial's per-period Sharpe ratio (from its stored statistics;
 * Welford's update). {@link assess} then backtests the best and the sample again for their returns.
 */
export class OverfittingCollector {
  private readonly best: BoundedBest<ScoredTrial>;
  private readonly sample: Reservoir<ScoredTrial>;
  private sharpes = 0;
  private sharpeMean = 0;
  private sharpeSquares = 0;

  /**
   * `source` runs trials again; `unavailable` says why there are no returns to read instead (an external
   * evaluator, a data file or strategy module that can no longer be read).
   */
  private constructor(private readonly spec: SessionSpec, private readonly source: PeriodReturnSource | null, private readonly unavailable: string) {
    this.best = new BoundedBest<ScoredTrial>(1, trialRanksBefore(spec.objective.direction));
    this.sample = new Reservoir<ScoredTrial>(source ? pboSettings(spec).sample : 0, spec.search.seed);
  }

  /** A collector for `spec`'s trials, on the evaluator's data and inside its window, if it has one. */
  static of(spec: SessionSpec): OverfittingCollector {
    if (spec.evaluator.kind !== 'backtest') return new OverfittingCollector(spec, null, COMMAND_EVALUATOR);
    try {
      return new OverfittingCollector(spec, periodReturnSource(spec.evaluator), '');
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      return new OverfittingCollector(spec, null, `The trials cannot be run again for their returns: ${err.message}`);
    }
  }

  /** Ranked trials offered so far: N. */
  get trials(): number {
    return this.sample.seen;
  }

  offer(t: ScoredTrial): void {
    this.sample.offer(t);
    if (!this.source) return;
    this.best.offer(t);
    const sr = perPeriodSharpe(t.metrics.return_ann_pct, t.metrics.volatility_ann_pct, this.source.periodsPerYear);
    if (!Number.isFinite(sr)) return;
    this.sharpes++;
    const delta = sr - this.sharpeMean;
    this.sharpeMean += delta / this.sharpes;
    this.sharpeSquares += delta * (sr - this.sharpeMean);
  }

  /**
   * The overfitting report of the trials offered. A best trial whose re-run differs from its stored metrics
   * (the data file or the strategy changed since) or that the engine now refuses leaves every number null,
   * with the reason.
   */
  assess(): OverfittingReport {
    const { blocks } = pboSettings(this.spec);
    const source = this.source;
    if (!source) return unassessed(this.unavailable, this.trials, blocks);
    const [best] = this.best.sorted();
    if (!best) return unassessed('No trial succeeded with a finite objective, so there is no best trial.', 0, blocks);
    let rerun: ReturnType<PeriodReturnSource['returnsOf']>;
    try {
      rerun = source.returnsOf(best.params);
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      return unassessed(`The best trial could not be run again for its returns: ${err.message}`, this.trials, blocks);
    }
    if (rerun.metrics.return_pct !== best.metrics.return_pct) {
      return unassessed(
        `Run again, the best trial returns ${rerun.metrics.return_pct} % instead of the ${best.metrics.return_pct} % it stored; ` +
          'the data file or the strategy changed since the trials ran, so today\'s returns are not the ones the trials measured.',
        this.trials, blocks,
      );
    }
    const notes: string[] = [];
    // In trial id order, so that the sample's order (and CSCV's ties) does not depend on the reservoir's.
    const drawn = this.sample.items().sort((a, b) => a.trialId - b.trialId);
    const sample = returnsOf(source, drawn, notes);
    if (drawn.length < this.trials) notes.push(`The mean correlation and PBO are taken over ${drawn.length} trials drawn at random from the ${this.trials}.`);
    return assessOverfitting({
      trials: this.trials,
      sharpeVariance: this.sharpes > 1 ? this.sharpeSquares / (this.sharpes - 1) : NaN,
      bestTrialId: best.trialId,
      best: rerun.returns,
      sample,
      blocks,
      notes,
    });
  }
}

/** The returns of trials run again, leaving out (with a note) any the engine now refuses. */
function returnsOf(source: PeriodReturnSource, trials: readonly ScoredTrial[], notes: string[]): Float64Array[] {
  const out: Float64Array[] = [];
  for (const t of trials) {
    try {
      out.push(source.returnsOf(t.params).returns);
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      notes.push(`Trial ${t.trialId} could not be run again and is left out: ${err.message}`);
    }
  }
  return out;
}

/** The fields best_params.json gains: the four headline numbers, and everything they came from. */
export function overfittingJson(report: OverfittingReport) {
  return {
    psr: report.psr,
    deflated_sharpe: report.deflatedSharpe,
    trials_effective: report.trialsEffective,
    pbo: report.pbo,
    overfitting: {
      verdict: report.verdict,
      explanation: report.explanation,
      best_trial_id: report.bestTrialId,
      trials: report.trials,
      returns: report.returns,
      sharpe_per_period: report.sharpePerPeriod,
      skewness: report.skewness,
      kurtosis: report.kurtosis,
      sharpe_variance: report.sharpeVariance,
      expected_max_sharpe: report.expectedMaxSharpe,
      mean_correlation: report.meanCorrelation,
      sample: report.sample,
      pbo_blocks: report.pboBlocks,
      pbo_combinations: report.pboCombinations,
      notes: report.notes,
    },
  };
}

/** A report's headline numbers as CSV cells (splits.csv); empty cells without a report. */
export function overfittingColumns(report: OverfittingReport | undefined): Array<number | string | null> {
  return report ? [report.psr, report.deflatedSharpe, report.trialsEffective, report.pbo, report.verdict] : [null, null, null, null, ''];
}
