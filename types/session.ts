import type { Direction, Params, SamplerConfig } from '../search/types';

/** What one trial runs: a built-in or user strategy over a data file. */
export interface BacktestEvaluatorSpec {
  kind: 'backtest';
  /** Absolute path of the OHLCV CSV, as workers see it. */
  dataPath: string;
  /** A registered strategy name. */
  strategy: string;
  /** Absolute path of a user strategy module that registers `strategy`, when it is not built in. */
  strategyModule?: string;
  cash: number;
  commission: number;
}

/** A backtester in any language, run as a command: trial JSON on stdin, one JSON object of metrics on stdout. */
export interface CommandEvaluatorSpec {
  kind: 'command';
  /** argv; run without a shell, in its own process group. */
  command: string[];
  timeoutMs: number;
  env: Record<string, string>;
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

/** A validated, resolved session: everything the workflow and its activities need, as plain JSON. */
export interface SessionSpec {
  sessionId: string;
  name: string;
  /** Absolute path of the YAML it came from, for run.json. */
  configPath: string;
  /** The YAML as parsed, kept for run.json. */
  config: unknown;
  evaluator: EvaluatorSpec;
  objective: { metric: string; direction: Direction };
  search: SamplerConfig;
  trial: { timeoutMs: number; heartbeatTimeoutMs: number; retry: RetrySpec };
  session: {
    /** Stop suggesting this long after the session started, drain, and finish with what there is. */
    timeoutMs: number | null;
    /** Continue-as-new after this many trials in one run (0: only when Temporal suggests it). */
    continueAsNewEvery: number;
  };
  output: { dir: string; topN: number };
  /** Trials with fewer trades are stored but not ranked, so a lucky single trade cannot win. 0: no guard. */
  minTrades: number;
  tags: string[];
  taskQueue: string;
}

/** What an activity returns for one trial: small, so history stays small. */
export interface TrialOutcome {
  trialId: number;
  objective: number | null;
  attempt: number;
  workerId: string;
  durationMs: number;
}

export interface LeaderboardEntry {
  trialId: number;
  params: Params;
  objective: number;
}

export interface SessionCounts {
  succeeded: number;
  failed: number;
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
}

export interface SessionSummary {
  sessionId: string;
  status: 'completed' | 'completed_with_failures';
  counts: SessionCounts;
  best: LeaderboardEntry | null;
  leaderboard: LeaderboardEntry[];
  outputDir: string;
  files: string[];
  /** Why suggesting stopped: the budget or space was used up, or the session deadline passed. */
  stoppedBy: 'complete' | 'deadline';
  runs: number;
}
