import type { BacktestPhaseMs } from '../backtest';
import { TRIAL_PHASES, type PhaseMs } from '../types/session';

export function noBacktestPhases(): BacktestPhaseMs {
  return { load: 0, indicators: 0, simulation: 0, statistics: 0 };
}

/**
 * Where the trials of one activity spent their time, phase by phase (see TRIAL_PHASES). Every evaluation
 * adds its whole time: the phases its evaluator reported, and the rest as `evaluate`, so that all phases but
 * `store` add up to the trials' recorded durations.
 */
export class PhaseTally {
  readonly ms: PhaseMs = { load: 0, indicators: 0, simulation: 0, statistics: 0, evaluate: 0, store: 0 };

  /** An evaluation that took `totalMs`, of which `reported` (when its evaluator reports phases) went to those phases. */
  evaluated(totalMs: number, reported?: BacktestPhaseMs): void {
    let known = 0;
    if (reported) {
      for (const phase of ['load', 'indicators', 'simulation', 'statistics'] as const) {
        this.ms[phase] += reported[phase];
        known += reported[phase];
      }
    }
    // The phases are timed inside the span `totalMs` covers; a rest below zero is floating-point noise.
    this.ms.evaluate += Math.max(0, totalMs - known);
  }

  stored(ms: number): void {
    this.ms.store += ms;
  }

  /** The tally in microsecond precision, small enough to travel in a workflow's history. */
  rounded(): PhaseMs {
    return Object.fromEntries(TRIAL_PHASES.map((p) => [p, Math.round(this.ms[p] * 1000) / 1000])) as PhaseMs;
  }
}
