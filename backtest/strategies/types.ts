import type { Indicators } from '../indicatorCache';

export type ParamValue = number | string | boolean;

/** One parameter set, keyed by parameter name (the shape trials carry). */
export type Params = Record<string, ParamValue>;

/** A parameter a strategy declares: its type, default and the values it accepts. */
export type ParamSpec =
  | { type: 'int' | 'float'; default: number; min: number; max: number; description: string }
  | { type: 'categorical'; default: ParamValue; choices: readonly ParamValue[]; description: string };

/** A rule between parameters, such as `fast < slow`. */
export interface Constraint<P extends Params = Params> {
  /** The rule as people write it; also the form campaign YAML uses. */
  readonly description: string;
  holds(params: P): boolean;
}

/**
 * What a strategy wants from the next bar's open. A target is a fresh position: Long while already long
 * closes the trade and opens a new one, as backtesting.py's `position.close(); buy()` does, so strategies
 * write a target only on bars where their view changes and Hold elsewhere.
 */
export const Target = { Hold: 0, Long: 1, Short: -1, Flat: 2 } as const;
export type Target = (typeof Target)[keyof typeof Target];

/**
 * A strategy: declared parameters plus a function from indicators to per-bar targets. The simulator owns
 * fills, cash and equity; a strategy never sees them.
 */
export interface StrategyDef<P extends Params = Params> {
  /** Registry name, `snake_case`. */
  readonly name: string;
  readonly description: string;
  readonly params: Readonly<Record<string, ParamSpec>>;
  readonly constraints?: readonly Constraint<P>[];
  /**
   * Bars before every indicator the strategy reads is defined (index of the first defined value).
   * Targets count from bar `lookback + 1`, so that a crossover can compare with the bar before; buy & hold
   * is measured from bar `lookback`, as backtesting.py does.
   */
  lookback(params: P): number;
  /**
   * Writes targets into `out` (one per bar, arriving filled with `Target.Hold`). Called once per trial with
   * validated parameters; read bars and shared indicators from `indicators`, never modify them.
   */
  signals(indicators: Indicators, params: P, out: Int8Array): void;
}
