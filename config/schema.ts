import { z } from 'zod';
import { parseDuration } from './duration';
import { LIMITS } from './bounds';
import { parallelismSchema, seedSchema, sessionIdProblem, trialsSchema } from './limits';
import { MAX_OBJECTIVES } from '../search/pareto';
import { parseTimeframe } from '../backtest/resample';
import { timeZone } from '../backtest/zones';

/** The most trials the robust choice re-ranks by their neighbourhood. */
export const MAX_SELECT_TOP_K = 500;

/** Leaves room for the timestamp a default session id appends to the name. */
export const MAX_NAME_LENGTH = LIMITS.maxSessionIdLength - 16;

/**
 * Timers in Node and in the Temporal SDK hold at most 2^31 - 1 ms (24.8 days); a longer one fires at once,
 * so a trial or command timeout past it would fail every attempt immediately.
 */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** A session may run for years of wall time, but not for ever by a typo. */
const MAX_SESSION_MS = 10 * 365 * 86_400_000;

const durationUpTo = (maxMs: number, maxText: string) =>
  z.union([z.string(), z.number()]).transform((value, ctx) => {
    const ms = parseDuration(value);
    if (ms === null) {
      ctx.addIssue({ code: 'custom', message: `expected a duration such as 500ms, 30s, 10m, 2h or 1d, got ${JSON.stringify(value)}` });
      return z.NEVER;
    }
    if (ms > maxMs) {
      ctx.addIssue({ code: 'custom', message: `expected a duration of at most ${maxText}, got ${JSON.stringify(value)}` });
      return z.NEVER;
    }
    return ms;
  });
const duration = durationUpTo(MAX_TIMER_MS, '24d');

/**
 * Defaults and bounds of PBO's cross-validation: K trials run again and kept in memory with their returns, and
 * C(S, S/2) splits of K·S/2 additions each: 12,870 at 16 blocks, 184,756 at 20 (seconds for 200 trials).
 */
export const PBO_LIMITS = { sample: 100, maxSample: 200, blocks: 16, maxBlocks: 20 } as const;

/**
 * Bounds of the shared result cache: an entry costs about 1 kB in Redis (a 64-character key twice and ~25
 * metrics as JSON), so the default holds about 100 MB and the largest 10 GB.
 */
export const DEFAULT_CACHE_ENTRIES = 100_000;
const MAX_CACHE_ENTRIES = 10_000_000;

/**
 * The most trials of an earlier session a warm start hands the sampler: its best by the objective. More would
 * add little (TPE keeps 500 observations, the genetic population 50, CMA-ES fits the best tenth) and the
 * activity that reads them returns them in one payload, which Temporal caps at 2 MB.
 */
export const MAX_WARM_START_TRIALS = 1000;

/** A session of the trial store: an id, or one walk-forward split of a session, `<session>/split-<k>`. */
const storedSession = z.string().superRefine((id, ctx) => {
  const problem = sessionIdProblem(id.replace(/\/split-\d+$/, ''));
  if (problem) ctx.addIssue({ code: 'custom', message: `expected a session id (or <session>/split-<k>), but ${problem}` });
});

/** `warm_start: <session>` or `{ session, trials }`. */
const warmStart = z.union(
  [
    storedSession,
    z.strictObject({
      session: storedSession,
      trials: z.number().int().min(1).max(MAX_WARM_START_TRIALS, `at most ${MAX_WARM_START_TRIALS}: the best of them seed the search`).default(MAX_WARM_START_TRIALS),
    }),
  ],
  { error: 'expected the id of an earlier session, or { session: <id>, trials: N }' },
);

const paramValue = z.union([z.number(), z.string(), z.boolean()]);

const numericRange = z.strictObject({
  type: z.enum(['int', 'float']).optional(),
  low: z.number(),
  high: z.number(),
  step: z.number().positive().optional(),
  log: z.boolean().optional(),
});

const categorical = z.strictObject({
  type: z.literal('categorical').optional(),
  choices: z.array(paramValue).min(1),
});

/** A parameter: `{type, low, high, step?, log?}`, `{choices: [...]}`, or a bare list of choices. */
const param = z.union([z.array(paramValue).min(1), categorical, numericRange]);

/** A broker setting: one value for every trial, or a parameter (a range or choices) that the search tunes. */
const brokerSetting = z.union([z.number(), param], {
  error: 'expected a number, or a parameter to tune: { low, high, step?, log? }, { choices: [...] } or a list of choices',
});

const brokerSettings = {
  // The engine's own bound: a commission of 10 % or more per fill is a typo for a percentage.
  commission: z
    .union([brokerSetting, z.strictObject({ relative: brokerSetting.optional(), fixed: brokerSetting.optional() })], {
      error: 'expected a fraction of traded value (e.g. 0.001), { relative, fixed } (fixed: cash per fill), or a parameter to tune',
    })
    .default(0),
  spread: brokerSetting.optional(),
  slippage: z
    .strictObject({ fixed: brokerSetting.optional(), range: brokerSetting.optional() }, {
      error: "expected { fixed } (a price amount per fill), { range } (a share of the bar's high - low) or both",
    })
    .optional(),
  size: z
    .union([brokerSetting, z.strictObject({ units: brokerSetting })], {
      error: 'expected a share of cash in (0, 1] (e.g. 0.5), { units: N } (whole units per entry), or a parameter to tune',
    })
    .optional(),
  stop_loss: brokerSetting.optional(),
  take_profit: brokerSetting.optional(),
  trailing_stop: brokerSetting.optional(),
};

const retry = z.strictObject({
  initial_interval: duration.default(1000),
  backoff_coefficient: z.number().min(1).default(2),
  maximum_interval: duration.default(60_000),
  maximum_attempts: z.number().int().min(1).default(3),
});

/** Names a POSIX shell accepts, so that a variable set here is one the command can read. */
const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name has letters, digits and underscores and does not start with a digit');

/** A literal value (plain configuration, stored with the session) or a variable of the worker's environment. */
const envValue = z.union([z.string(), z.strictObject({ from_env: envName })], {
  error: 'expected a string (a literal value; quote numbers, e.g. "0.001") or { from_env: NAME } (a variable of the worker\'s environment, for secrets)',
});

const oneObjective = z.union([
  z.string(),
  z.strictObject({ metric: z.string(), direction: z.enum(['maximize', 'minimize']).optional() }),
]);

/** One objective, or a list of up to MAX_OBJECTIVES for a Pareto front (a list of one is one objective). */
const objective = z.union(
  [
    oneObjective,
    z
      .array(oneObjective)
      .min(1, 'list at least one objective')
      .max(MAX_OBJECTIVES, `a Pareto front takes at most ${MAX_OBJECTIVES} objectives; weigh the others with \`rank\``),
  ],
  { error: `expected a metric name, { metric, direction }, or a list of 1 to ${MAX_OBJECTIVES} of them` },
);

/** A value a backtest helper parses, kept in its canonical form; its InputError's words become the issue's. */
const parsedBy = (parse: (text: string) => string) =>
  z.string().min(1).transform((text, ctx) => {
    try {
      return parse(text);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message.replace(/\.$/, '') });
      return z.NEVER;
    }
  });

/** The data file: its path, or the path with the zone its times are in and the timeframe to resample to. */
const data = z.preprocess(
  (value) => (typeof value === 'string' ? { path: value } : value),
  z.strictObject(
    {
      path: z.string().min(1),
      timezone: parsedBy((name) => timeZone(name).name).optional(),
      timeframe: parsedBy((text) => parseTimeframe(text).text).optional(),
    },
    { error: 'expected the path of a CSV or Parquet file, or { path, timezone, timeframe }' },
  ),
);

/** The campaign YAML. Keys are snake case; unknown keys are errors, never ignored. */
export const configSchema = z.strictObject({
  name: z
    .string()
    .max(MAX_NAME_LENGTH)
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'use letters, digits, dot, dash or underscore, starting with a letter or digit')
    .optional(),
  data,
  strategy: z.union([z.string().min(1), z.strictObject({ name: z.string().min(1), module: z.string().min(1) })]).optional(),
  evaluator: z
    .strictObject({
      command: z.array(z.string().min(1)).min(1),
      timeout: duration.default(600_000),
      env: z.record(envName, envValue).default({}),
      cwd: z.string().min(1).default('.'),
    })
    .optional(),
  min_trades: z.number().int().min(0).default(0),
  rank: z.record(z.string(), z.number().positive()).default({}),
  walk_forward: z
    .strictObject({
      splits: z.number().int().min(1).max(500),
      train: z.union([z.number().positive(), z.string()]),
      test: z.union([z.number().positive(), z.string()]),
      mode: z.enum(['rolling', 'anchored']).default('rolling'),
      gap: z.number().int().min(0).default(0),
      top_n: z.number().int().min(1).max(100).default(5),
      concurrency: z.number().int().min(1).max(500).default(2),
      holdout: z.union([z.number().positive(), z.string()]).optional(),
    })
    .optional(),
  backtest: z
    .strictObject({
      cash: z.number().positive().default(10_000),
      ...brokerSettings,
      // backtesting.py's last bar (see backtest/README.md); false: nothing opens on it.
      last_bar_entries: z.boolean().default(true),
    })
    .default({ cash: 10_000, commission: 0, last_bar_entries: true }),
  params: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'parameter names are identifiers'), param),
  constraints: z.array(z.string()).default([]),
  objective: objective.default('sharpe'),
  result_constraints: z.array(z.string()).default([]),
  select: z
    .strictObject({
      by: z.enum(['objective', 'neighbourhood_mean', 'neighbourhood_worst']).default('objective'),
      // Each of the top_k trials is compared with every ranked trial: the cost of the neighbourhood pass.
      top_k: z.number().int().min(1).max(MAX_SELECT_TOP_K, `at most ${MAX_SELECT_TOP_K}: each of them is compared with every trial`).default(50),
      radius: z.number().positive().max(1, 'at most 1, the whole range of a parameter').default(0.1),
      min_neighbours: z.number().int().min(0).max(1_000_000).default(3),
    })
    .optional(),
  pruning: z
    .strictObject({
      stages: z
        .number()
        .int(`a whole number of stages from 2 to ${LIMITS.maxStages}`)
        .min(2, 'at least 2 stages: a trial is judged after each stage but the last')
        .max(LIMITS.maxStages, `at most ${LIMITS.maxStages} stages`)
        .default(4),
      rule: z.enum(['median', 'asha'], { error: 'expected median (Optuna\'s MedianPruner) or asha (asynchronous successive halving)' }),
      startup_trials: z.number().int('a whole number of trials').min(0).max(LIMITS.maxTrials).optional(),
      reduction_factor: z.number().int('a whole number from 2 to 10').min(2, 'at least 2').max(10, 'at most 10').optional(),
    })
    .optional(),
  cache: z
    .strictObject({
      enabled: z.boolean().default(true),
      max_entries: z.number().int().min(1).max(MAX_CACHE_ENTRIES).default(DEFAULT_CACHE_ENTRIES),
    })
    .optional(),
  search: z
    .strictObject({
      algorithm: z.enum(['grid', 'random', 'qmc', 'tpe', 'cmaes', 'genetic', 'gp']).default('grid'),
      seed: seedSchema.default(42),
      trials: trialsSchema.optional(),
      parallelism: parallelismSchema.default(8),
      mode: z.enum(['ordered', 'eager']).default('ordered'),
      options: z.record(z.string(), z.unknown()).default({}),
      warm_start: warmStart.optional(),
    })
    .prefault({}),
  trial: z
    .strictObject({
      timeout: duration.default(60_000),
      heartbeat_timeout: duration.default(10_000),
      retry: retry.prefault({}),
      batch: z
        .union([z.literal('auto'), z.number().int().min(1).max(LIMITS.maxBatch)], { error: `expected auto or a whole number of trials from 1 to ${LIMITS.maxBatch}` })
        .default('auto'),
      batch_target: duration.default(2000),
    })
    .prefault({}),
  session: z
    .strictObject({
      timeout: durationUpTo(MAX_SESSION_MS, '3650d').optional(),
      continue_as_new_every: z.number().int().min(0).default(0),
      tags: z.array(z.string().min(1)).default([]),
      task_queue: z.string().min(1).optional(),
    })
    .prefault({}),
  analysis: z
    .strictObject({
      pbo: z
        .strictObject({
          sample: z.number().int().min(2).max(PBO_LIMITS.maxSample).default(PBO_LIMITS.sample),
          blocks: z
            .number()
            .int()
            .min(2)
            .max(PBO_LIMITS.maxBlocks)
            .refine((n) => n % 2 === 0, 'expected an even number: half the blocks are in sample, half out of sample')
            .default(PBO_LIMITS.blocks),
        })
        .prefault({}),
    })
    .prefault({}),
  output: z
    .strictObject({
      dir: z.string().min(1).default('outputs'),
      top_n: z.number().int().min(1).max(1000).default(10),
    })
    .prefault({}),
});

export type CampaignConfig = z.infer<typeof configSchema>;
export type ParamConfig = z.infer<typeof param>;
export type BacktestConfig = CampaignConfig['backtest'];
export type ObjectiveConfig = z.infer<typeof oneObjective>;
