import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { checkStrategyParams } from '../backtest';
import type { z } from 'zod';
import { createSampler, gridSize, validateSpace, withCurrentDefaults } from '../search';
import type { AlgorithmName, SamplerConfig, SearchSpace } from '../search/types';
import { InputError } from '../errors';
import { readTextFile, strategyModuleRef } from './files';
import type { StrategyModuleRef } from '../backtest';
import { MAX_NAME_LENGTH, MAX_WARM_START_TRIALS } from './schema';
import { activitiesProblem, parallelismSchema, seedSchema, sessionIdProblem, shownSessionId, trialsSchema } from './limits';
import type { EvaluatorSpec, ObjectiveSpec, PruningSpec, SelectSpec, SessionSpec, WalkForwardSpec } from '../types/session';
import { parseResultConstraints } from './resultConstraints';
import { METRIC_DIRECTION } from './metrics';
import { configSchema, type CampaignConfig } from './schema';
import { loadDataFile } from './data';
import { planSplits } from './walkForward';
import { maxWarmup } from './warmup';
import { toDistribution } from './params';
import { brokerFields, engineOnlyKeys } from './broker';

/** Settings from the command line that win over the YAML. */
export interface ConfigOverrides {
  sessionId?: string;
  trials?: number;
  parallelism?: number;
  seed?: number;
  algorithm?: AlgorithmName;
  outputDir?: string;
}

export const DEFAULT_TASK_QUEUE = 'tuneflow';

/** A campaign is a page of settings; anything this large is the wrong file. */
const MAX_CONFIG_BYTES = 1 << 20;
/** YAML anchors a config needs are few; thousands are an expansion bomb. */
const MAX_ALIASES = 100;

/** Reads and parses the YAML file; syntax errors name the line and column. */
export function readConfigFile(file: string): { raw: unknown; config: CampaignConfig } {
  const text = readTextFile(file, 'Config file', MAX_CONFIG_BYTES);
  const lines = new YAML.LineCounter();
  const doc = YAML.parseDocument(text, { prettyErrors: false, uniqueKeys: true, lineCounter: lines });
  if (doc.errors.length > 0) {
    const err = doc.errors[0];
    const { line, col } = lines.linePos(err.pos[0]);
    throw new InputError(`${file}, line ${line}, column ${col}: invalid YAML: ${err.message.split('\n')[0]}`);
  }
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: MAX_ALIASES }) as unknown;
  } catch (err) {
    throw new InputError(`${file}: invalid YAML: ${(err as Error).message} (more than ${MAX_ALIASES} alias expansions); write the values out instead of repeating anchors.`);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new InputError(`${file}: expected a mapping of settings at the top level (data, strategy, params, ...).`);
  }
  const reserved = reservedKeyPath(raw);
  if (reserved) throw new InputError(`${file}: \`${reserved}\`: "__proto__" cannot be a key; rename it.`);
  // zod's own words for a missing key end in "received undefined", which means nothing outside JavaScript.
  const parsed = configSchema.safeParse(raw, {
    error: (issue) => (issue.code === 'invalid_type' && issue.input === undefined ? `required, expected ${issue.expected}` : undefined),
  });
  if (!parsed.success) throw new InputError(`${file}: ${describeIssues(parsed.error.issues)}`);
  return { raw, config: parsed.data };
}

/** The key path of the first `__proto__` key: JavaScript objects drop it silently, so it must be an error. */
function reservedKeyPath(value: unknown, at: string[] = []): string | null {
  if (value === null || typeof value !== 'object') return null;
  for (const key of Object.getOwnPropertyNames(value)) {
    if (key === '__proto__') return [...at, key].join('.');
    const inner = reservedKeyPath((value as Record<string, unknown>)[key], [...at, key]);
    if (inner) return inner;
  }
  return null;
}

function keyPath(p: PropertyKey[]): string {
  return p.map((k) => (typeof k === 'number' ? `[${k}]` : String(k))).join('.').replace(/\.\[/g, '[') || '(top level)';
}

function describeIssues(issues: z.core.$ZodIssue[]): string {
  return issues
    .slice(0, 5)
    .map((issue) => {
      if (issue.code === 'unrecognized_keys') {
        const where = issue.path.length ? `${keyPath(issue.path)}.` : '';
        return issue.keys.map((k) => `unknown key \`${where}${k}\``).join('; ');
      }
      // zod's own message for a bad record key is "Invalid key in record"; the key schema's says what is wrong.
      if (issue.code === 'invalid_key') return `\`${keyPath(issue.path)}\`: ${issue.issues[0]?.message ?? issue.message}`;
      return `\`${keyPath(issue.path)}\`: ${issue.message}`;
    })
    .join('; ') + '.';
}

function withFile<T>(file: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof InputError && !err.message.startsWith(file)) throw new InputError(`${file}: ${err.message}`);
    throw err;
  }
}

/**
 * Loads a campaign YAML into a validated SessionSpec: schema, data file, strategy parameters,
 * search space and constraints are all checked here, before anything starts.
 * @throws InputError naming the file, the key path and the problem.
 */
export function loadSessionSpec(configFile: string, overrides: ConfigOverrides = {}): SessionSpec {
  checkOverrides(overrides);
  const file = path.resolve(configFile);
  const { raw, config } = readConfigFile(file);
  const baseDir = path.dirname(file);

  const dataPath = path.resolve(baseDir, config.data.path);
  const { timezone, timeframe } = config.data;
  const dataOptions = { ...(timezone !== undefined ? { timezone } : {}), ...(timeframe !== undefined ? { timeframe } : {}) };
  const bars = loadDataFile(dataPath, `${file}: \`data\``, dataOptions);

  if (config.strategy && config.evaluator) {
    throw new InputError(`${file}: give either \`strategy\` (the built-in engine) or \`evaluator\` (an external command), not both.`);
  }
  if (!config.strategy && !config.evaluator) {
    throw new InputError(`${file}: \`strategy\` is missing: name a built-in strategy (e.g. sma_crossover), a module, or an external \`evaluator\`.`);
  }

  const strategySpace: SearchSpace = {};
  for (const [name, p] of Object.entries(config.params)) strategySpace[name] = toDistribution(`params.${name}`, p, file);
  if (config.evaluator) {
    const keys = engineOnlyKeys(config.backtest);
    if (keys.length) {
      throw new InputError(
        `${file}: \`backtest.${keys[0]}\` sets the built-in engine's broker; an external \`evaluator\` runs its own backtest and would never see it. ` +
          'Remove it, or pass the setting to your command (e.g. in `evaluator.env`).',
      );
    }
  }
  const broker = brokerFields(config.backtest, file);
  for (const name of Object.keys(broker.space)) {
    if (Object.hasOwn(strategySpace, name)) {
      throw new InputError(`${file}: \`params.${name}\`: \`backtest:\` tunes a broker setting under this name; give the strategy parameter another name.`);
    }
  }
  const space: SearchSpace = { ...strategySpace, ...broker.space };
  withFile(file, () => validateSpace(space, config.constraints));

  const objectives = resolveObjectives(config, file);
  const { metric: objectiveMetric, direction } = objectives[0] as ObjectiveSpec;

  const algorithm = overrides.algorithm ?? config.search.algorithm;
  // Only a grid is counted: the other algorithms sample spaces of any size, constrained or not.
  const finite = algorithm === 'grid' ? withFile(file, () => gridSize(space, config.constraints)) : null;
  let trials = overrides.trials ?? config.search.trials ?? finite ?? undefined;
  if (trials === undefined) {
    throw new InputError(`${file}: \`search.trials\` is required for algorithm ${algorithm}${algorithm === 'grid' ? ' over a continuous space' : ''} (or pass --trials N).`);
  }
  if (algorithm === 'grid' && finite === null) {
    throw new InputError(`${file}: \`search.algorithm\` grid needs every float parameter to have a step.`);
  }
  if (finite !== null && algorithm === 'grid') trials = Math.min(trials, finite);

  const name = config.name ?? defaultName(file);
  const sessionId = overrides.sessionId ?? defaultSessionId(name);
  const idProblem = sessionIdProblem(sessionId);
  if (idProblem) throw new InputError(`--session-id "${shownSessionId(sessionId)}": ${idProblem}.`);

  const outputDir = path.resolve(overrides.outputDir ?? path.resolve(process.cwd(), config.output.dir));
  checkOutputFolder(outputDir, sessionId, overrides.outputDir !== undefined ? '--output' : `${file}: \`output.dir\``);
  let evaluator: EvaluatorSpec;
  if (config.evaluator) {
    if (timezone !== undefined || timeframe !== undefined) {
      throw new InputError(
        `${file}: \`data.${timezone !== undefined ? 'timezone' : 'timeframe'}\` shapes the bars of the built-in engine (\`strategy\`); ` +
          'an external `evaluator` reads the data file itself, so it would never see it. Remove it, or resample the file for the command.',
      );
    }
    const cwd = path.resolve(baseDir, config.evaluator.cwd);
    if (!isFolder(cwd)) throw new InputError(`${file}: \`evaluator.cwd\`: ${cwd} is not a folder.`);
    evaluator = {
      kind: 'command',
      command: config.evaluator.command,
      timeoutMs: config.evaluator.timeout,
      env: Object.fromEntries(Object.entries(config.evaluator.env).map(([k, v]) => [k, typeof v === 'string' ? v : { fromEnv: v.from_env }])),
      cwd,
      dataPath,
      logDir: path.join(outputDir, sessionId, 'logs'),
    };
  } else {
    const strategy = typeof config.strategy === 'string' ? config.strategy : config.strategy!.name;
    const modulePath = typeof config.strategy === 'object' ? path.resolve(baseDir, config.strategy.module) : undefined;
    let strategyModule: StrategyModuleRef | undefined;
    withFile(file, () => {
      strategyModule = modulePath ? strategyModuleRef(modulePath, '`strategy.module`: strategy module') : undefined;
      checkStrategyParams(strategy, Object.keys(strategySpace), strategyModule);
    });
    evaluator = { kind: 'backtest', dataPath, ...dataOptions, strategy, strategyModule, cash: config.backtest.cash, ...broker.fields,
      lastBarEntries: config.backtest.last_bar_entries };
  }
  if (config.cache?.enabled) {
    if (evaluator.kind !== 'backtest') {
      throw new InputError(
        `${file}: \`cache\` keeps results of the built-in engine (\`strategy\`) only: tuneflow cannot tell when an external \`evaluator\`'s code ` +
          'or inputs change, so its results could be stale; remove `cache`, or set `cache: { enabled: false }`.',
      );
    }
    evaluator.cache = { maxEntries: config.cache.max_entries };
  }

  let walkForward: WalkForwardSpec | undefined;
  if (config.walk_forward) {
    if (evaluator.kind !== 'backtest') throw new InputError(`${file}: \`walk_forward\` needs the built-in engine (\`strategy\`), not an external \`evaluator\`.`);
    if (objectives.length > 1) {
      throw new InputError(
        `${file}: \`walk_forward\` recommends one parameter set by its out-of-sample rank, so it needs one \`objective\`, not ${objectives.length}; ` +
          'weigh the others with `rank`, or drop `walk_forward` to get their Pareto front.',
      );
    }
    const wf = config.walk_forward;
    const warmup = maxWarmup(evaluator.strategy, strategySpace, evaluator.strategyModule);
    let plan;
    try {
      plan = planSplits({ splits: wf.splits, train: wf.train, test: wf.test, mode: wf.mode, gap: wf.gap, holdout: wf.holdout }, bars.time, warmup);
    } catch (err) {
      if (err instanceof InputError) throw new InputError(`${file}: ${err.message}`);
      throw err;
    }
    walkForward = { mode: wf.mode, warmup, splits: plan.splits, topN: wf.top_n, concurrency: wf.concurrency, ...(plan.holdout ? { holdout: plan.holdout } : {}) };
    if (config.select) {
      throw new InputError(
        `${file}: \`select\` chooses the recommendation of a plain session; a walk-forward session recommends the set with the best ` +
          'out-of-sample rank across its splits. Remove `select` or `walk_forward`.',
      );
    }
  }
  const pruning = config.pruning ? pruningSpec(config, file, objectives.length, walkForward?.splits.map((split) => ({ split: split.k, ...split.train })) ?? [{ start: 0, end: bars.time.length }]) : undefined;
  withFile(file, () => checkResultConstraints(config.result_constraints, config.evaluator !== undefined));
  const warmStart = warmStartSpec(config, file, sessionId);
  for (const metric of Object.keys(config.rank)) {
    if (!Object.hasOwn(METRIC_DIRECTION, metric)) {
      throw new InputError(`${file}: \`rank.${metric}\`: unknown metric; choose among ${Object.keys(METRIC_DIRECTION).join(', ')}.`);
    }
  }

  // A new session records the options its algorithm gets today; sessions recorded before keep theirs.
  const search: SamplerConfig = withCurrentDefaults({
    algorithm,
    space,
    constraints: config.constraints,
    seed: overrides.seed ?? config.search.seed,
    trials,
    direction,
    ...(objectives.length > 1 ? { directions: objectives.map((o) => o.direction) } : {}),
    parallelism: overrides.parallelism ?? config.search.parallelism,
    mode: config.search.mode,
    options: config.search.options,
  });
  const pending = activitiesProblem(search.parallelism ?? 1, config.trial.batch, walkForward?.concurrency ?? 1);
  if (pending) throw new InputError(`${file}: ${pending}.`);
  // The session workflow builds its sampler from exactly this; what would fail it there (unknown or
  // out-of-range `search.options`) must stop here, before anything starts.
  try {
    createSampler(search);
  } catch (err) {
    if (err instanceof InputError) throw new InputError(`${file}: \`search\`: ${err.message}.`);
    throw err;
  }

  return {
    sessionId,
    name,
    configPath: file,
    config: raw,
    evaluator,
    objective: { metric: objectiveMetric, direction },
    ...(objectives.length > 1 ? { objectives } : {}),
    search,
    trial: {
      timeoutMs: config.trial.timeout,
      heartbeatTimeoutMs: config.trial.heartbeat_timeout,
      retry: {
        initialIntervalMs: config.trial.retry.initial_interval,
        backoffCoefficient: config.trial.retry.backoff_coefficient,
        maximumIntervalMs: config.trial.retry.maximum_interval,
        maximumAttempts: config.trial.retry.maximum_attempts,
      },
      batch: config.trial.batch,
      batchTargetMs: config.trial.batch_target,
    },
    session: { timeoutMs: config.session.timeout ?? null, continueAsNewEvery: config.session.continue_as_new_every },
    output: { dir: outputDir, topN: config.output.top_n },
    minTrades: config.min_trades,
    rankWeights: config.rank,
    ...(config.result_constraints.length ? { resultConstraints: config.result_constraints } : {}),
    ...(config.select ? { select: selectSpec(config.select) } : {}),
    ...(warmStart ? { warmStart } : {}),
    ...(pruning ? { pruning } : {}),
    walkForward,
    pbo: { sample: config.analysis.pbo.sample, blocks: config.analysis.pbo.blocks },
    tags: config.session.tags,
    taskQueue: config.session.task_queue ?? process.env.TUNEFLOW_TASK_QUEUE ?? DEFAULT_TASK_QUEUE,
  };
}

/**
 * Result constraints must parse and read metrics: with the built-in engine, metrics it reports; an external
 * evaluator may report metrics of its own, and a trial that lacks one breaks the constraint.
 */
function checkResultConstraints(texts: string[], external: boolean): void {
  parseResultConstraints(texts).forEach((c, i) => {
    if (c.metrics.length === 0) throw new InputError(`\`result_constraints[${i}]\`: "${c.text}" reads no metric; name one, e.g. "trades >= 20".`);
    const unknown = external ? undefined : c.metrics.find((m) => !Object.hasOwn(METRIC_DIRECTION, m));
    if (unknown) {
      throw new InputError(`\`result_constraints[${i}]\`: unknown metric "${unknown}" in "${c.text}"; the engine reports ${Object.keys(METRIC_DIRECTION).join(', ')}.`);
    }
  });
}

/**
 * `search.warm_start` as the session uses it. The trial store is asked only when the session starts (`tuneflow
 * run` checks it first); here only what the config alone decides.
 */
function warmStartSpec(config: CampaignConfig, file: string, sessionId: string): SessionSpec['warmStart'] {
  const given = config.search.warm_start;
  if (given === undefined) return undefined;
  const spec = typeof given === 'string' ? { sessionId: given, trials: MAX_WARM_START_TRIALS } : { sessionId: given.session, trials: given.trials };
  if (config.walk_forward) {
    throw new InputError(
      `${file}: \`search.warm_start\` seeds the search of a plain session; each walk-forward split tunes on its own window from a cold start. ` +
        'Remove `search.warm_start` or `walk_forward`.',
    );
  }
  if (spec.sessionId === sessionId) {
    throw new InputError(`${file}: \`search.warm_start\`: session ${sessionId} cannot start from its own trials; name an earlier session.`);
  }
  return spec;
}

/** Optuna's defaults: the median waits for 5 complete trials at a stage; halving keeps the best third. */
const DEFAULT_STARTUP_TRIALS = 5;
const DEFAULT_REDUCTION_FACTOR = 3;

/**
 * `pruning` as the session runs it. Only the built-in engine can stage a trial, one objective orders the
 * trials a stage compares, and each window pruned (the data, or every walk-forward training window) needs two
 * bars a stage.
 * @throws InputError naming the key and why it cannot apply.
 */
function pruningSpec(config: CampaignConfig, file: string, objectives: number, windows: Array<{ split?: number; start: number; end: number }>): PruningSpec {
  const p = config.pruning!;
  const refuse = (message: string): never => {
    throw new InputError(`${file}: \`pruning\`: ${message}`);
  };
  if (config.evaluator) {
    refuse('an external `evaluator` runs each trial as one command that reports only its final metrics, so tuneflow cannot stop it after a stage; pruning needs the built-in engine (`strategy`). Remove `pruning`.');
  }
  if (objectives > 1) refuse(`a stage compares trials by one objective, and this session has ${objectives}; remove \`pruning\`, or keep one objective and weigh the others with \`rank\`.`);
  if (config.cache?.enabled) {
    refuse('a cached result has no stage values to compare, and a pruned trial no full result to keep: use `pruning` or `cache`, not both (or set `cache: { enabled: false }`).');
  }
  if (config.trial.batch === 1) {
    refuse('pruned trials run in batch activities, which read the session\'s stage reports once per batch; set `trial.batch` to auto (slow trials then go one to a batch) or 2 to 1000.');
  }
  if (p.rule === 'median' && p.reduction_factor !== undefined) refuse('`reduction_factor` is a setting of rule asha; rule median waits for `startup_trials` complete trials instead.');
  if (p.rule === 'asha' && p.startup_trials !== undefined) refuse('`startup_trials` is a setting of rule median; rule asha keeps the best 1/`reduction_factor` of the trials at each rung instead.');
  for (const w of windows) {
    if (w.end - w.start < 2 * p.stages) {
      const where = w.split === undefined ? `the data has ${w.end - w.start} bars` : `the training window of walk-forward split ${w.split} has ${w.end - w.start} bars`;
      throw new InputError(`${file}: \`pruning.stages\`: ${p.stages} stages need at least ${2 * p.stages} bars, two a stage, and ${where}; use fewer stages.`);
    }
  }
  return p.rule === 'median'
    ? { rule: 'median', stages: p.stages, startupTrials: p.startup_trials ?? DEFAULT_STARTUP_TRIALS }
    : { rule: 'asha', stages: p.stages, reductionFactor: p.reduction_factor ?? DEFAULT_REDUCTION_FACTOR };
}

function selectSpec(select: NonNullable<CampaignConfig['select']>): SelectSpec {
  return { by: select.by, topK: select.top_k, radius: select.radius, minNeighbours: select.min_neighbours };
}

/**
 * The objectives with their directions: given, or the metric's own. A list of one is one objective.
 * @throws InputError for an unknown metric (an external evaluator's own metric needs its direction) or a metric listed twice.
 */
function resolveObjectives(config: CampaignConfig, file: string): ObjectiveSpec[] {
  const list = Array.isArray(config.objective) ? config.objective : [config.objective];
  const seen = new Set<string>();
  return list.map((item, i) => {
    const key = Array.isArray(config.objective) ? `objective[${i}]` : 'objective';
    const metric = typeof item === 'string' ? item : item.metric;
    // Own keys only: "constructor" or "toString" are not metrics.
    const known = Object.hasOwn(METRIC_DIRECTION, metric) ? METRIC_DIRECTION[metric as keyof typeof METRIC_DIRECTION] : undefined;
    const direction = (typeof item === 'object' ? item.direction : undefined) ?? known;
    // An external evaluator may report metrics of its own; the built-in engine's names are all known.
    if (!direction || (!known && config.strategy)) {
      throw new InputError(
        `${file}: \`${key}\`: unknown metric "${metric}"; choose one of ${Object.keys(METRIC_DIRECTION).join(', ')}` +
          (config.evaluator ? ', or give `direction` for a metric your evaluator reports.' : '.'),
      );
    }
    if (seen.has(metric)) throw new InputError(`${file}: \`${key}\`: ${metric} is listed twice; list each objective once.`);
    seen.add(metric);
    return { metric, direction };
  });
}

/** The name a config gets from its file when it has none; the schema's rule applies to it too. */
function defaultName(file: string): string {
  const base = path.basename(file).replace(/\.ya?ml$/i, '').replace(/[^A-Za-z0-9._-]/g, '_').replace(/^[^A-Za-z0-9]+/, '');
  return (base || 'session').slice(0, MAX_NAME_LENGTH);
}

/** Flags are held to the limits the YAML schema enforces, and named in the message. */
function checkOverrides(overrides: ConfigOverrides): void {
  const checks: Array<[string, number | undefined, typeof trialsSchema]> = [
    ['--trials', overrides.trials, trialsSchema],
    ['--seed', overrides.seed, seedSchema],
    ['--parallelism', overrides.parallelism, parallelismSchema],
  ];
  for (const [flag, value, schema] of checks) {
    if (value === undefined) continue;
    const parsed = schema.safeParse(value);
    if (!parsed.success) throw new InputError(`${flag} ${value}: expected ${parsed.error.issues[0].message}.`);
  }
}

/**
 * The outputs land in `<dir>/<session>`: refuse, before anything starts, a folder that is a file, cannot be
 * created or is not writable, so a session never ends in an aggregation that fails on every attempt.
 */
function checkOutputFolder(dir: string, sessionId: string, where: string): void {
  const target = path.join(dir, sessionId);
  let existing = target;
  let stat: fs.Stats | undefined;
  // Up to the nearest folder that exists; a name no folder can have (too long, a NUL byte) ends the walk.
  while (!stat) {
    try {
      stat = fs.statSync(existing);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') {
        throw new InputError(`${where}: the outputs cannot go to ${target} (${code ?? (err as Error).message}); choose another folder.`);
      }
      existing = path.dirname(existing);
    }
  }
  if (!stat.isDirectory()) {
    throw new InputError(`${where}: ${existing} is a file, so the outputs cannot go to ${target}; choose a folder.`);
  }
  try {
    fs.accessSync(existing, fs.constants.W_OK | fs.constants.X_OK);
  } catch {
    throw new InputError(`${where}: ${existing} is not writable, so the outputs cannot go to ${target}; choose a folder you can write to.`);
  }
}

function isFolder(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function defaultSessionId(name: string): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${name}-${stamp}`;
}
