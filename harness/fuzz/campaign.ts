import fc from 'fast-check';
import { METRIC_NAMES } from '../../config/metrics';
import { sometimes } from './sometimes';
import { CASE_DIR, DATA_FILE, type Expectation } from './types';

/** A campaign as plain JSON before it becomes YAML text. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** A campaign object and what `tuneflow check` must make of it with valid data. */
export interface Campaign {
  config: JsonObject;
  expect: Expectation;
  note: string;
}

const ALGORITHMS = ['random', 'qmc', 'tpe', 'cmaes', 'genetic'] as const;

/** An int range inside [min, max] in one of the forms the YAML allows: range with or without type, list, choices. */
function intParam(min: number, max: number): fc.Arbitrary<Json> {
  const bounds = fc.tuple(fc.integer({ min, max }), fc.integer({ min, max })).map(([a, b]) => [Math.min(a, b), Math.max(a, b)]);
  return fc.oneof(
    fc.tuple(bounds, fc.option(fc.integer({ min: 1, max: 5 }), { nil: undefined }), fc.boolean()).map(([[low, high], step, typed]) => ({
      ...(typed ? { type: 'int' } : {}),
      low,
      high,
      ...(step !== undefined ? { step } : {}),
    })),
    fc.uniqueArray(fc.integer({ min, max }), { minLength: 1, maxLength: 5 }),
    fc.uniqueArray(fc.integer({ min, max }), { minLength: 1, maxLength: 5 }).map((choices) => ({ choices })),
  );
}

/** A float range inside [min, max]: stepped (finite), continuous, or log-scaled. */
function floatParam(min: number, max: number): fc.Arbitrary<Json> {
  const bounds = fc.tuple(fc.integer({ min: min * 10, max: max * 10 }), fc.integer({ min: min * 10, max: max * 10 })).map(([a, b]) => [Math.min(a, b) / 10, Math.max(a, b) / 10]);
  return fc.oneof(
    bounds.map(([low, high]) => ({ type: 'float', low, high, step: 0.5 })),
    bounds.map(([low, high]) => ({ type: 'float', low, high })),
    bounds.map(([low, high]) => ({ low: Math.max(low, 0.1), high: Math.max(high, 0.1), log: true })),
  );
}

/** Parameters a strategy takes, with ranges that keep its own constraints satisfiable. */
const strategies: fc.Arbitrary<{ strategy: string; params: JsonObject; constraints: string[] }> = fc.oneof(
  fc.tuple(fc.constantFrom('sma_crossover', 'ema_crossover'), intParam(2, 20), intParam(21, 60), fc.boolean()).map(([strategy, fast, slow, constrained]) => ({
    strategy,
    params: { fast, slow },
    constraints: constrained ? ['fast < slow'] : [],
  })),
  fc.tuple(intParam(2, 10), intParam(11, 40), intParam(2, 12)).map(([fast, slow, signal]) => ({ strategy: 'macd', params: { fast, slow, signal }, constraints: ['fast < slow'] })),
  fc.tuple(intParam(2, 30), floatParam(5, 40), floatParam(60, 95)).map(([period, lower, upper]) => ({
    strategy: 'rsi_reversion',
    params: { period, lower, upper },
    constraints: ['lower < upper'],
  })),
  fc.tuple(intParam(2, 40), floatParam(1, 3)).map(([period, k]) => ({ strategy: 'bollinger_breakout', params: { period, k }, constraints: [] })),
  intParam(2, 60).map((lookback) => ({ strategy: 'donchian_breakout', params: { lookback }, constraints: [] })),
);

const isContinuous = (p: Json): boolean => p !== null && typeof p === 'object' && !Array.isArray(p) && 'low' in p && (p.log === true || (p.type === 'float' && !('step' in p)));

const search = fc.record(
  {
    algorithm: fc.constantFrom('grid', ...ALGORITHMS),
    seed: fc.integer({ min: 0, max: 2 ** 31 }),
    trials: fc.integer({ min: 1, max: 500 }),
    parallelism: fc.integer({ min: 1, max: 32 }),
    mode: fc.constantFrom('ordered', 'eager'),
  },
  { requiredKeys: ['algorithm'] },
);

const duration = fc.constantFrom<Json>('30s', '500ms', '1.5m', '2h', '1d', 60, 0.5, '10m');

const optionalSections = fc.record(
  {
    name: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,40}$/),
    backtest: fc.record(
      {
        cash: fc.integer({ min: 1, max: 1e9 }),
        commission: fc.constantFrom<Json>(0, 0.001, 0.002, 0.05, -0.0005, { relative: 0.001, fixed: 1 }, { fixed: 2 }),
        spread: fc.constantFrom(0, 0.0002, 0.001),
        slippage: fc.constantFrom<Json>({ fixed: 0.01 }, { range: 0.05 }, { fixed: 0, range: 0.1 }),
        size: fc.constantFrom<Json>(0.5, 1, { units: 3 }),
        stop_loss: fc.constantFrom<Json>(0.05, { low: 0.01, high: 0.1 }, [0.02, 0.04]),
        take_profit: fc.constantFrom<Json>(0.1, { low: 0.05, high: 0.3, log: true }),
        trailing_stop: fc.constantFrom<Json>(0.03, { low: 0.02, high: 0.2 }),
      },
      { requiredKeys: [] },
    ),
    objective: fc.oneof(fc.constantFrom(...METRIC_NAMES), fc.record({ metric: fc.constantFrom(...METRIC_NAMES), direction: fc.constantFrom('maximize', 'minimize') }, { requiredKeys: ['metric'] })),
    min_trades: fc.integer({ min: 0, max: 10 }),
    rank: fc.dictionary(fc.constantFrom(...METRIC_NAMES), fc.constantFrom(0.5, 1, 0.2), { maxKeys: 3 }),
    trial: fc.record(
      { timeout: duration, heartbeat_timeout: duration, retry: fc.record({ initial_interval: duration, backoff_coefficient: fc.constantFrom(1, 2, 1.5), maximum_interval: duration, maximum_attempts: fc.integer({ min: 1, max: 10 }) }, { requiredKeys: [] }) },
      { requiredKeys: [] },
    ),
    session: fc.record(
      { timeout: duration, continue_as_new_every: fc.integer({ min: 0, max: 1000 }), tags: fc.array(fc.stringMatching(/^[a-z0-9-]{1,12}$/), { maxLength: 3 }), task_queue: fc.constantFrom('tuneflow', 'q-1') },
      { requiredKeys: [] },
    ),
  },
  { requiredKeys: [] },
);

/** A walk-forward section; whether it fits the data depends on the bar count and the warm-up, so no verdict. */
const walkForwardSection = fc.record(
  {
    splits: fc.integer({ min: 1, max: 4 }),
    train: fc.oneof(fc.integer({ min: 20, max: 300 }), fc.constantFrom(0.2, 0.4, '6mo', '1y', '90d', '8w')),
    test: fc.oneof(fc.integer({ min: 5, max: 80 }), fc.constantFrom(0.05, 0.1, '1mo', '30d', '2w')),
    mode: fc.constantFrom('rolling', 'anchored'),
    gap: fc.integer({ min: 0, max: 5 }),
    top_n: fc.integer({ min: 1, max: 5 }),
    concurrency: fc.integer({ min: 1, max: 4 }),
  },
  { requiredKeys: ['splits', 'train', 'test'] },
);

const evaluator = fc.record(
  {
    command: fc.constant<Json>(['python3', 'evaluate.py']),
    timeout: duration,
    env: fc.dictionary(fc.stringMatching(/^[A-Z_]{1,8}$/), fc.string({ maxLength: 10 }), { maxKeys: 2 }),
    cwd: fc.constant('.'),
  },
  { requiredKeys: ['command'] },
);

const dataRef = fc.constantFrom(DATA_FILE, `./${DATA_FILE}`, `${CASE_DIR}/${DATA_FILE}`);
const outputDir = fc.constantFrom(`${CASE_DIR}/outputs`, `${CASE_DIR}/outputs/nested/new`);

/**
 * A campaign `tuneflow check` accepts, given valid data of at least two bars in {@link DATA_FILE}: a
 * built-in strategy with parameters it takes, or an external evaluator; optional sections at valid values.
 * A share `walkForward` has that section, whose split plan may not fit the data, so its verdict is open.
 */
export function validCampaign(walkForward: number): fc.Arbitrary<Campaign> {
  return fc
    .record({
      engine: fc.oneof({ weight: 5, arbitrary: strategies }, { weight: 1, arbitrary: evaluator.map((e) => ({ evaluator: e })) }),
      search,
      data: dataRef,
      output: fc.record({ dir: outputDir, top_n: fc.integer({ min: 1, max: 50 }) }, { requiredKeys: ['dir'] }),
      sections: optionalSections,
      walkForward: sometimes(walkForwardSection, walkForward),
    })
    .map(({ engine, search, data, output, sections, walkForward }) => {
      const config: JsonObject = { data };
      let note = 'yaml: valid';
      if ('evaluator' in engine) {
        config.evaluator = engine.evaluator;
        config.params = { alpha: { low: 1, high: 10, step: 1 }, mode: ['a', 'b'] };
        note += ', evaluator';
      } else {
        config.strategy = engine.strategy;
        config.params = engine.params;
        if (engine.constraints.length > 0) config.constraints = engine.constraints;
        note += `, ${engine.strategy}`;
      }
      Object.assign(config, sections);
      // Costs and exits are the built-in broker's; an external evaluator takes cash and commission only.
      if ('evaluator' in engine && config.backtest) config.backtest = commandBacktest(config.backtest as JsonObject);
      const continuous = Object.values(config.params as JsonObject).some(isContinuous) || tunesFloatBrokerSetting(config.backtest);
      const s: JsonObject = { ...search };
      // A grid needs a finite space; a sampler needs a budget.
      if (s.algorithm === 'grid' && continuous) s.algorithm = 'random';
      if (s.algorithm !== 'grid' && s.trials === undefined) s.trials = 50;
      config.search = s;
      config.output = output;
      if (walkForward && !('evaluator' in engine)) {
        config.walk_forward = walkForward;
        note += ', walk_forward';
      }
      return { config, expect: config.walk_forward ? 'any' : 'ok', note };
    });
}

/** The `backtest:` keys an external evaluator's campaign may keep: cash and a plain relative commission. */
function commandBacktest(backtest: JsonObject): JsonObject {
  const kept: JsonObject = {};
  if (backtest.cash !== undefined) kept.cash = backtest.cash;
  if (typeof backtest.commission === 'number') kept.commission = backtest.commission;
  return kept;
}

/** Whether `backtest:` tunes a setting over a float range without a step (broker ranges are floats unless they say int). */
function tunesFloatBrokerSetting(backtest: Json | undefined): boolean {
  if (backtest === undefined || backtest === null || typeof backtest !== 'object' || Array.isArray(backtest)) return false;
  return Object.values(backtest).some((v) => v !== null && typeof v === 'object' && !Array.isArray(v) && 'low' in v && !('step' in v) && v.type !== 'int');
}
