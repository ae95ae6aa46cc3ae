import { InputError } from '../errors';

/** A window size as the YAML gives it: bars (an integer ≥ 1), a share of the data (0 < x < 1), or a duration. */
export type WindowSize = number | string;

export interface WalkForwardSettings {
  splits: number;
  train: WindowSize;
  test: WindowSize;
  mode: 'rolling' | 'anchored';
  /** Bars skipped between a training window and its test window. */
  gap: number;
  /** The last bars of the data, kept from every split for one final test of the recommended set. */
  holdout?: WindowSize;
}

/** Half-open bar index range [start, end). */
export interface BarRange {
  start: number;
  end: number;
}

export interface Split {
  /** 1-based split number; the child workflow is `<session>/split-<k>`. */
  k: number;
  train: BarRange;
  test: BarRange;
}

export interface SplitPlan {
  splits: Split[];
  /** Bars reserved before the first training window so every indicator is warm when it starts. */
  warmup: number;
  trainBars: number;
  testBars: number;
  /** The final bars no split sees, or null without a holdout. */
  holdout: BarRange | null;
}

const YEAR_MS = 365.25 * 86_400_000;
const DURATION_UNITS: Record<string, number> = { d: 1 / 365.25, w: 7 / 365.25, mo: 1 / 12, y: 1 };

/**
 * Turns a window size into bars. Durations (`90d`, `12w`, `6mo`, `2y`) use the data's own density of bars
 * per calendar year, so `1y` is about 252 daily equity bars, 365 daily crypto bars or 6,000 hourly FX bars.
 */
export function windowBars(size: WindowSize, time: ArrayLike<number>, usable: number, key: string): number {
  if (typeof size === 'number') {
    if (size > 0 && size < 1) return Math.max(1, Math.floor(size * usable));
    if (Number.isInteger(size) && size >= 1) return size;
    throw new InputError(`\`${key}\`: expected a bar count (whole number ≥ 1), a share of the data (0 < x < 1) or a duration like 6mo or 2y, got ${size}.`);
  }
  const match = /^\s*(\d+(?:\.\d+)?)\s*(d|w|mo|y)\s*$/.exec(size);
  if (!match) throw new InputError(`\`${key}\`: expected a duration such as 90d, 12w, 6mo or 2y, got "${size}".`);
  const n = time.length;
  const spanYears = n > 1 ? (time[n - 1] - time[0]) / YEAR_MS : 0;
  if (spanYears <= 0) throw new InputError(`\`${key}\`: the data spans no time, so "${size}" cannot be turned into bars.`);
  const barsPerYear = (n - 1) / spanYears;
  return Math.max(1, Math.round(Number(match[1]) * DURATION_UNITS[match[2]] * barsPerYear));
}

/**
 * Lays out the splits: test windows are consecutive and end at the last bar, or where the holdout starts;
 * each training window ends `gap` bars before its test window. Rolling windows keep the training length;
 * anchored ones all start where the first does and grow. Out-of-sample windows never overlap, and no window
 * reaches into the holdout.
 * @throws InputError when the data is too short, naming every term of the sum.
 */
export function planSplits(settings: WalkForwardSettings, time: ArrayLike<number>, warmup: number): SplitPlan {
  const n = time.length;
  if (!Number.isInteger(settings.splits) || settings.splits < 1) throw new InputError(`\`walk_forward.splits\`: expected a whole number ≥ 1, got ${settings.splits}.`);
  if (!Number.isInteger(settings.gap) || settings.gap < 0) throw new InputError(`\`walk_forward.gap\`: expected a whole number of bars ≥ 0, got ${settings.gap}.`);
  const usable = Math.max(0, n - warmup);
  const trainBars = windowBars(settings.train, time, usable, 'walk_forward.train');
  const testBars = windowBars(settings.test, time, usable, 'walk_forward.test');
  const holdoutBars = settings.holdout === undefined ? 0 : windowBars(settings.holdout, time, usable, 'walk_forward.holdout');
  const needed = warmup + trainBars + settings.gap + settings.splits * testBars + holdoutBars;
  if (needed > n) {
    const holdout = holdoutBars ? ` + holdout ${holdoutBars}` : '';
    throw new InputError(
      `\`walk_forward\` needs ${needed} bars (warm-up ${warmup} + train ${trainBars} + gap ${settings.gap} + ${settings.splits} splits × test ${testBars}${holdout}), but the data has ${n}; use fewer or shorter splits${holdout ? ' or a shorter holdout' : ''}.`,
    );
  }
  const firstTest = n - holdoutBars - settings.splits * testBars;
  const anchoredStart = firstTest - settings.gap - trainBars;
  const splits: Split[] = [];
  for (let i = 0; i < settings.splits; i++) {
    const testStart = firstTest + i * testBars;
    const trainEnd = testStart - settings.gap;
    splits.push({
      k: i + 1,
      train: { start: settings.mode === 'anchored' ? anchoredStart : trainEnd - trainBars, end: trainEnd },
      test: { start: testStart, end: testStart + testBars },
    });
  }
  return { splits, warmup, trainBars, testBars, holdout: holdoutBars ? { start: n - holdoutBars, end: n } : null };
}
