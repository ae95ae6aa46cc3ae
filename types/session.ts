import type { StrategyModuleRef } from '../backtest/strategies/moduleRef';
import type { Direction, Params, SamplerConfig } from '../search/types';

/**
 * A broker setting of a session: a value for every trial, or the search-space parameter whose value each trial
 * uses (a tuned stop-loss, say), which the strategy never sees.
 */
export type BrokerValue = number | { param: string };

/** The broker settings of a backtest spec beyond cash and the relative commission: absent unless the YAML sets them. */
export const BROKER_SETTINGS = ['commissionFixed', 'spread', 'slippage', 'sizeFraction', 'sizeUnits', 'stopLoss', 'takeProfit', 'trailingStop'] as const;
export type BrokerSettingName = (typeof BROKER_SETTINGS)[number];

/** What one trial runs: a built-in or user strategy over a data file. */
export interface BacktestEvaluatorSpec {
  kind: 'backtest';
  /** Absolute path of the OHLCV CSV or Parquet file, as workers see it. */
  dataPath: string;
  /**
   * The zone of the data (YAML `data.timezone`, canonical): naive times are read in it, the daily statistics and
   * resampling count its days. Absent: the file's own zone, else UTC, as for sessions started before it existed.
   */
  timezone?: string;
  /** The bar length trials see (YAML `data.timeframe`), resampled from the file's bars; absent: the file's bars. */
  timeframe?: string;
  /** A registered strategy name. */
  strategy: string;
  /** The user strategy module that defines `strategy` (path and content hash), when it is not built in. */
  strategyModule?: StrategyModuleRef;
  cash: number;
  /** Commission as a fraction of traded value (YAML `backtest.commission`, or its `relative` part). */
  commission: BrokerValue;
  /**
   * The other broker settings of YAML `backtest:` under the engine's names (see `BacktestOptions`): absent when
   * not set, so that the specs (and result-cache keys) of sessions without them are what they were.
   */
  commissionFixed?: BrokerValue;
  spread?: BrokerValue;
  slippage?: { fixed?: BrokerValue; range?: BrokerValue };
  sizeFraction?: BrokerValue;
  sizeUnits?: BrokerValue;
  stopLoss?: BrokerValue;
  takeProfit?: BrokerValue;
  trailingStop?: BrokerValue;
  /**
   * Entries on the last bar as backtesting.py makes them (YAML `backtest.last_bar_entries`, true unless set). Absent
   * in specs written before it existed: those sessions keep the behaviour they started with, nothing opens on
   * the last bar, so a session resumed or replayed after an upgrade computes what its first trials computed.
   */
  lastBarEntries?: boolean;
  /**
   * Trade and measure only inside these bars (walk-forward windows); indicators still read the bars
   * before the window, so they are warm when it starts.
   */
  window?: { start: number; end: number };
  /**
   * Trials look up their result in the shared result cache before they run and store it there after (YAML
   * `cache:`), which keeps at most `maxEntries` results. Absent: no cache, as in sessions started before it.
   */
  cache?: { maxEntries: number };
}

/**
 * One variable of an external evaluator's environment: a literal value, which is plain configuration (it travels
 * with the spec into workflow history, the trial store and run.json), or the name of a variable of the worker's
 * own environment, read by the worker at each attempt and stored nowhere: the way to hand a command a secret.
 */
export type EnvValue = string | { fromEnv: string };

/** A backtester in any language, run as a command: trial JSON on stdin, one JSON object of metrics on stdout. */
export interface CommandEvaluatorSpec {
  kind: 'command';
  /** argv; run without a shell, in its own process group. */
  command: string[];
  timeoutMs: number;
  /** Set on top of PATH, HOME, LANG and TZ, the only variables the command inherits from the worker. */
  env: Record<string, EnvValue>;
  /** Absolute working directory. */
  cwd: string;
  /** Absolute path of the data file, handed to the command in its input. */
  dataPath: string;
  /** Where each trial's stdout/stderr log goes: `<output>/<session>/logs`. */
  logDir: string;
}

export type EvaluatorSpec = BacktestEvaluatorSpec | CommandEvaluatorSpec;

export interface RetrySpec {
  initialIntervalMs: number;
  backoffCoefficient: number;
  maximumIntervalMs: number;
  maximumAttempts: number;
}

/** A metric to optimise and which way. */
export interface ObjectiveSpec {
  metric: string;
  direction: Direction;
}

/** A validated, resolved session: everything the workflow and its activities need, as plain JSON. */
export interface SessionSpec {
  sessionId: string;
  name: string;
  /** Absolute path of the YAML it came from, for run.json. */
  configPath: string;
  /** The YAML as parsed, kept for run.json. */
  config: unknown;
  evaluator: EvaluatorSpec;
  /** What trials are ranked by; in a multi-objective session, the first objective. */
  objective: ObjectiveSpec;
  /**
   * Every objective of a multi-objective session (2 to 4, the first equal to `objective`): the search looks for
   * their Pareto front. Absent with one objective, as in sessions started before there were several.
   */
  objectives?: ObjectiveSpec[];
  search: SamplerConfig;
  trial: {
    timeoutMs: number;
    heartbeatTimeoutMs: number;
    retry: RetrySpec;
    /**
     * Trials per activity: a number, or `auto` (sized so one lasts about `batchTargetMs`). Absent in sessions
     * started before batches existed, which keep one activity per trial, as `1` does.
     */
    batch?: number | 'auto';
    batchTargetMs?: number;
  };
  session: {
    /** Stop suggesting this long after the session started, drain, and finish with what there is. */
    timeoutMs: number | null;
    /** Continue-as-new after this many trials in one run (0: only when Temporal suggests it). */
    continueAsNewEvery: number;
  };
  output: { dir: string; topN: number };
  /** Trials with fewer trades are stored but not ranked, so a lucky single trade cannot win. 0: no guard. */
  minTrades: number;
  /** Weights of the multi-metric rank in rankings.csv, e.g. `{ sharpe: 0.5, calmar: 0.3, max_drawdown_pct: 0.2 }`. */
  rankWeights: Record<string, number>;
  /**
   * Conditions on a trial's metrics, e.g. `max_drawdown_pct > -30`: a trial that breaks one is stored with a
   * note, never ranked, and reaches the sampler as failed. Absent in sessions started before they existed.
   */
  resultConstraints?: string[];
  /** How best_params.json chooses its recommendation; absent: by the objective, with no neighbourhood columns. */
  select?: SelectSpec;
  /**
   * Seed the sampler with the best `trials` succeeded trials of an earlier session before the first proposal
   * (`search.warm_start`). Absent: a cold start, as in sessions started before warm starts existed.
   */
  warmStart?: { sessionId: string; trials: number };
  /** Trials evaluated in stages and stopped early by a rule (YAML `pruning:`). Absent: every trial runs whole, as before it existed. */
  pruning?: PruningSpec;
  walkForward?: WalkForwardSpec;
  /**
   * How PBO cross-validates the trials: `sample` of them drawn at random, their returns cut into `blocks`
   * blocks. Absent in sessions started before it existed, which use the defaults.
   */
  pbo?: PboSpec;
  tags: string[];
  taskQueue: string;
}

/**
 * How a session was warm-started: from which session, with how many of its succeeded trials, and why others
 * were left out. Kept in the session's meta for run.json and summary.md.
 */
export interface WarmStartNote {
  session: string;
  /** Its succeeded trials handed to the sampler. */
  trials: number;
  /** Its succeeded trials that lie outside this session's search space or break its constraints. */
  outOfSpace: number;
  /** Its succeeded trials in the space left out by the cap, the worst by the objective. */
  beyondCap: number;
}

/** What an activity returns for one trial: small, so history stays small. */
export interface TrialOutcome {
  trialId: number;
  /** Its result broke a result constraint (see TrialBatchOutcome). */
  infeasible?: true;
  objective: number | null;
  /** Every objective's value of a ranked trial of a multi-objective session, in order. */
  objectives?: number[];
  attempt: number;
  workerId: string;
  durationMs: number;
}

/** Why a trial finally failed: its failure type (e.g. `InvalidParameters`) and message. */
export interface TrialFailureSummary {
  type: string;
  message: string;
}

/** What a batch activity returns for each of its trials: small, so history stays small. */
export interface TrialBatchOutcome {
  trialId: number;
  /** Its result broke a result constraint: stored, not ranked, and fed to the sampler as infeasible. */
  infeasible?: true;
  /** The objective of a ranked trial; null when it failed or is not ranked. */
  objective: number | null;
  /** Every objective's value of a ranked trial of a multi-objective session, in order. */
  objectives?: number[];
  /** Stopped after a stage by the session's pruning rule: stored, not ranked, fed to the sampler as infeasible. */
  pruned?: true;
  attempts: number;
  /** Present when the trial finally failed. */
  failure?: TrialFailureSummary;
}

/**
 * Where trial time goes. A built-in backtest reports `load` (reading the data, cached per thread, and setting
 * up a batch part's buffers), `indicators` (checking parameters, computing indicators, writing the strategy's
 * targets), `simulation` and `statistics`; `evaluate` is the rest of the trials' time, which tuneflow cannot
 * see into: all of an external command's run, and for built-in trials the hand-over to and from their thread;
 * `store` is writing the trials' records to the trial store.
 */
export const TRIAL_PHASES = ['load', 'indicators', 'simulation', 'statistics', 'evaluate', 'store'] as const;
export type TrialPhase = (typeof TRIAL_PHASES)[number];

/** Milliseconds spent in each phase; all but `store` add up to the trials' durations. */
export type PhaseMs = Record<TrialPhase, number>;

export interface TrialBatchResult {
  /** One per trial of the batch, in its order. */
  outcomes: TrialBatchOutcome[];
  /** Trials this attempt of the batch evaluated (the others were already stored by an earlier attempt). */
  evaluated: number;
  /** Wall time of this attempt, for sizing the next batches. */
  elapsedMs: number;
  /** Where the evaluated trials' time went (summed over the threads that ran them). Absent from older workers. */
  phaseMs?: PhaseMs;
}

export interface LeaderboardEntry {
  trialId: number;
  params: Params;
  objective: number;
}

export interface SessionCounts {
  succeeded: number;
  failed: number;
  /** Succeeded trials whose objective is not a finite number (e.g. a Sharpe ratio without trades): stored, never ranked. */
  unranked?: number;
  /** Trials that needed more than one attempt (counted by batches; single-trial activities retry unseen). */
  retried?: number;
  /** Trials the pruning rule stopped after a stage (sessions with `pruning`): neither succeeded nor failed. */
  pruned?: number;
}

/** Trials finished so far, whichever way: succeeded, failed or pruned. */
export function finishedTrials(counts: SessionCounts): number {
  return counts.succeeded + counts.failed + (counts.pruned ?? 0);
}

/** A trial that failed or needed retries, as the session's `trialIssues` query and the Web UI show it. */
export interface TrialIssue {
  trialId: number;
  attempts: number;
  /** `Type: message` of a trial that finally failed; absent for one that succeeded after retries. */
  error?: string;
}

export interface SessionProgress {
  sessionId: string;
  phase: 'running' | 'draining' | 'aggregating' | 'done';
  counts: SessionCounts;
  running: number;
  /** Trials the sampler will propose at most. */
  budget: number;
  best: LeaderboardEntry | null;
  runs: number;
  /** Trials per activity the session uses now (1 without batches). */
  batch?: number;
  /** Paused by `tuneflow pause`: no new trial starts until `resume`; running ones finish. */
  paused?: boolean;
  /** Stopping early by `tuneflow stop`: no new trial starts; the running ones drain, then outputs are written. */
  stopping?: boolean;
  /** Epoch ms after which no new trial starts; null for none. */
  deadline?: number | null;
}

/** A change of a running session's budget or deadline (`tuneflow extend`); at least one is given. */
export interface ExtendRequest {
  /** The new trial budget: not below the trials already started. */
  trials?: number;
  /** The new session timeout, counted from the session's start like `session.timeout`; null removes the deadline. */
  timeoutMs?: number | null;
}

export interface SessionSummary {
  sessionId: string;
  status: 'completed' | 'completed_with_failures';
  counts: SessionCounts;
  best: LeaderboardEntry | null;
  leaderboard: LeaderboardEntry[];
  outputDir: string;
  files: string[];
  /** Why suggesting stopped: the budget or space was used up, the session deadline passed, or `tuneflow stop`. */
  stoppedBy: 'complete' | 'deadline' | 'stopped';
  runs: number;
  /** A walk-forward session's recommended set on its holdout bars (sessions with `walk_forward.holdout`). */
  holdout?: HoldoutResult;
}

/**
 * The robust choice: the `topK` best trials by the objective, each with the mean and the worst objective of
 * the ranked trials within `radius` of it in the normalised parameter space; `by` says which recommends.
 */
export interface SelectSpec {
  by: 'objective' | 'neighbourhood_mean' | 'neighbourhood_worst';
  topK: number;
  radius: number;
  /** Neighbours (besides the trial itself) a trial needs for its neighbourhood to count. */
  minNeighbours: number;
}

/**
 * Pruning: each trial's backtest runs over its window in `stages` time chunks (stage k measures the first k/S
 * of the window), and after each stage but the last the rule compares its objective so far with what the
 * session's other trials reported there; a trial below the rule stops and is recorded as pruned. `median` is
 * Optuna's MedianPruner (no pruning at a stage until `startupTrials` complete trials reported there); `asha` is
 * Optuna's asynchronous successive halving with a minimum resource of one stage: rungs at stages 1, η, η², …
 * (below the last stage), where a trial goes on only within the top 1/η of the trials that reached the rung.
 */
export type PruningSpec =
  | { rule: 'median'; stages: number; startupTrials: number }
  | { rule: 'asha'; stages: number; reductionFactor: number };

/** The combinatorially symmetric cross-validation behind PBO (`analysis.pbo` in the YAML). */
export interface PboSpec {
  /** K: trials drawn at random (all of them when fewer), also those the mean correlation of returns is taken over. */
  sample: number;
  /** Even: half the blocks are in sample, half out. */
  blocks: number;
}

/** A walk-forward plan as the session runs it: one child workflow per split. */
export interface WalkForwardSpec {
  mode: 'rolling' | 'anchored';
  warmup: number;
  splits: Array<{ k: number; train: { start: number; end: number }; test: { start: number; end: number } }>;
  /** In-sample leaders each split evaluates out of sample. */
  topN: number;
  /** Splits running at once. */
  concurrency: number;
  /**
   * The last bars of the data, which no split trains or tests on: the recommended set is backtested on them
   * once, after every split has finished. Absent: no holdout (and in sessions started before it existed).
   */
  holdout?: { start: number; end: number };
}

/** The recommended parameter set of a walk-forward session, backtested once on its holdout bars. */
export interface HoldoutResult {
  start: number;
  end: number;
  params: Params;
  metrics: Record<string, number | null>;
}

/** One candidate of a split: its in-sample and out-of-sample metrics. */
export interface SplitCandidate {
  trialId: number;
  params: Params;
  inSample: Record<string, number | null>;
  outOfSample: Record<string, number | null>;
}

/**
 * What a split's child workflow returns to its parent: a few numbers. Runs recorded before the full result
 * moved to the trial store returned the whole SplitResult, so `candidates` may be present.
 */
export interface SplitOutcome {
  k: number;
  sessionId: string;
  counts: SessionCounts;
  /** Its best in-sample trial, null when none succeeded. */
  leader?: LeaderboardEntry | null;
  candidates?: SplitCandidate[];
}

/** A split's in-sample leaders, evaluated out of sample; kept in the trial store as the split's result. */
export interface SplitResult {
  k: number;
  sessionId: string;
  train: { start: number; end: number };
  test: { start: number; end: number };
  counts: SessionCounts;
  /** Best in-sample first. */
  candidates: SplitCandidate[];
}
