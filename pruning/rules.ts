import type { Direction } from '../search/types';
import type { PruningSpec } from '../types/session';
import { CheckpointValues, readWindow } from './checkpointValues';

/** One value a trial adds to the session's reports at a checkpoint: the median's stage, or ASHA's rung (from 0). */
export interface StageReport {
  checkpoint: number;
  value: number;
}

/**
 * One trial's judge: told its objective after each stage but the last, it says whether the trial stops there,
 * and collects what the trial adds to the session's reports (adding it to the batch's own view as well).
 */
export interface TrialJudge {
  /**
   * After `stage` (from 1) with the objective on the window so far (null: undefined, e.g. no trades yet, or the
   * stage was too short for the warm-up): why the trial stops here, or null when it goes on.
   */
  afterStage(stage: number, value: number | null): string | null;
  /** The trial ended, after every stage (`complete`) or pruned. */
  finish(complete: boolean): void;
  /** What the trial added to the reports, for the trial store. */
  readonly reports: StageReport[];
}

/** A pruning rule of one session: which reports it keeps, which of them a batch reads, and its judges. */
export interface PruningRule {
  /** Report sets it keeps: one per stage but the last (median), or one per rung (ASHA). */
  readonly checkpoints: number;
  /** The stored ranks of a checkpoint a batch reads, when `count` are stored and its trials may add `added`. */
  window(count: number, added: number): { from: number; to: number };
  /** A judge for the next trial, against the reports as this batch sees them, one set per checkpoint. */
  judge(sets: readonly CheckpointValues[]): TrialJudge;
}

/**
 * The session's rule. Both follow Optuna (`optuna/pruners/_percentile.py`, `_successive_halving.py`) with
 * `n_warmup_steps` 0, `interval_steps` 1, `min_early_stopping_rate` 0 and `bootstrap_count` 0; the last stage is
 * never judged (the trial's full result is there already), and a stage whose objective is undefined judges
 * nothing and reports nothing, where Optuna prunes on NaN: a backtest without trades so far says nothing of
 * the rest of its window.
 */
export function pruningRule(spec: PruningSpec, objective: { metric: string; direction: Direction }): PruningRule {
  return spec.rule === 'median' ? medianRule(spec.stages, spec.startupTrials, objective) : ashaRule(spec.stages, spec.reductionFactor, objective);
}

/** Stages of `stages` where ASHA's rungs are: η^r for r = 0, 1, …, below the last stage. */
export function rungStages(stages: number, reductionFactor: number): number[] {
  const out: number[] = [];
  for (let at = 1; at < stages; at *= reductionFactor) out.push(at);
  return out;
}

/** One line for people: e.g. "median over 4 stages, after 5 complete trials" or "asha over 4 stages, rungs at stages 1, 3, η 3". */
export function describePruning(spec: PruningSpec): string {
  return spec.rule === 'median'
    ? `median over ${spec.stages} stages, after ${spec.startupTrials} complete trials`
    : `asha over ${spec.stages} stages, rungs at stages ${rungStages(spec.stages, spec.reductionFactor).join(', ')}, η ${spec.reductionFactor}`;
}

const shown = (v: number) => String(Number(v.toPrecision(4)));

/**
 * MedianPruner: after stage k, a trial stops when its best objective over stages 1..k is worse than the
 * median of the stage-k objectives of the complete trials, once `startupTrials` of them reported at stage k.
 * Only complete trials report (their stage values, when they finish), as Optuna's median reads only COMPLETE
 * trials; the median interpolates between the two middle values as numpy's percentile does.
 */
function medianRule(stages: number, startupTrials: number, objective: { metric: string; direction: Direction }): PruningRule {
  const maximize = objective.direction === 'maximize';
  const middle = (n: number) => [Math.floor((n - 1) / 2), Math.ceil((n - 1) / 2)];
  return {
    checkpoints: stages - 1,
    window(count, added) {
      return readWindow(count, added, middle(Math.max(1, count))[0], middle(count + added)[1]);
    },
    judge(sets) {
      const values: Array<number | null> = [];
      let best: number | null = null;
      const reports: StageReport[] = [];
      return {
        reports,
        afterStage(stage, value) {
          values[stage - 1] = value;
          if (value === null) return null;
          if (best === null || (maximize ? value > best : value < best)) best = value;
          const set = sets[stage - 1];
          if (set.size === 0 || set.size < startupTrials) return null;
          const [lo, hi] = middle(set.size);
          const median = percentileBetween(set.at(lo), set.at(hi), (set.size - 1) / 2 - lo);
          if (maximize ? best >= median : best <= median) return null;
          const which = best === value ? '' : ' (its best so far)';
          return `pruned after stage ${stage} of ${stages}: ${objective.metric} ${shown(best)}${which} is ${maximize ? 'below' : 'above'} ${shown(median)}, ` +
            `the median of ${set.size} complete trials at that stage`;
        },
        finish(complete) {
          if (!complete) return;
          values.forEach((value, i) => {
            if (value === null || value === undefined || i >= stages - 1) return;
            reports.push({ checkpoint: i, value });
            sets[i].add(value);
          });
        },
      };
    },
  };
}

/** numpy's linear interpolation between neighbouring order statistics `a <= b` at `t` in [0, 1]. */
function percentileBetween(a: number, b: number, t: number): number {
  const diff = b - a;
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

/**
 * Successive halving, asynchronous: rung r sits at stage η^r. When a trial reaches a rung it reports its
 * objective there, and goes on only if that is among the best ⌊n/η⌋ of the n values reported at the rung,
 * itself included (the best one while fewer than η reported, as Optuna does). A rung whose stage had no
 * objective is judged at the next stage that has one.
 */
function ashaRule(stages: number, reductionFactor: number, objective: { metric: string; direction: Direction }): PruningRule {
  const maximize = objective.direction === 'maximize';
  const rungs = rungStages(stages, reductionFactor);
  const promotable = (n: number) => Math.max(0, Math.floor(n / reductionFactor) - 1);
  // The ascending rank of the value a trial must reach among n values.
  const thresholdRank = (n: number) => (maximize ? n - 1 - promotable(n) : promotable(n));
  return {
    checkpoints: rungs.length,
    window(count, added) {
      return readWindow(count, added, thresholdRank(count + 1), thresholdRank(count + Math.max(1, added)));
    },
    judge(sets) {
      let rung = 0;
      const reports: StageReport[] = [];
      return {
        reports,
        afterStage(stage, value) {
          while (rung < rungs.length && stage >= rungs[rung]) {
            if (value === null) return null;
            const set = sets[rung];
            set.add(value);
            reports.push({ checkpoint: rung, value });
            const threshold = set.at(thresholdRank(set.size));
            if (maximize ? value < threshold : value > threshold) {
              const keep = promotable(set.size) + 1;
              return `pruned after stage ${stage} of ${stages}: ${objective.metric} ${shown(value)} is not among the best ${keep} of the ${set.size} trials ` +
                `that reached rung ${rung} (stage ${rungs[rung]}), which needs ${maximize ? 'at least' : 'at most'} ${shown(threshold)}`;
            }
            rung += 1;
          }
          return null;
        },
        // ASHA reports at each rung as the trial reaches it, pruned or not; nothing is left for the end.
        finish: () => undefined,
      };
    },
  };
}
