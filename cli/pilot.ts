import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runBacktestTrial, runBacktestTrials } from '../evaluators/backtest';
import { EvaluatorEnvError, createCommandEvaluator } from '../evaluators/command';
import { createSampler } from '../search';
import type { Params } from '../search/types';
import { InputError, InvalidParametersError } from '../errors';
import type { BacktestEvaluatorSpec, CommandEvaluatorSpec, SessionSpec } from '../types/session';

/** What the pilot trials measured. */
export interface PilotResult {
  /** Trials timed (fewer than asked when the space has fewer feasible points). */
  trials: number;
  failed: number;
  /** The first failure's message, when one failed. */
  firstError: string | null;
  /** Mean time of one trial's evaluation. */
  trialMs: number;
  /** How they ran: as one batch on shared indicators, one by one, or as runs of the evaluator command. */
  how: 'batch' | 'one by one' | 'command';
  /** Timed passes over the pilot's parameter sets (the median counts); 1 for commands. */
  passes: number;
  /** Time spent running the pilot before timing it (reading the data, compiling the code); null for commands. */
  warmupMs: number | null;
}

/** Up to `count` parameter sets drawn uniformly from the session's space under its constraints, from its seed. */
function pilotParams(spec: SessionSpec, count: number): Params[] {
  const sampler = createSampler({ ...spec.search, algorithm: 'random', trials: count, options: {}, mode: 'eager' });
  const sets: Params[] = [];
  for (let next = sampler.suggest(); next; next = sampler.suggest()) {
    sampler.update(next.id, { failed: true });
    sets.push(next.params);
  }
  return sets;
}

/**
 * Runs up to `count` pilot trials of the session's evaluator here, in this process, and times them. Parameter
 * sets are spread over the space rather than the algorithm's first proposals (a grid's first points are one
 * corner of it). Built-in backtests run as the session's workers run them: as one batch on shared indicators
 * when the session uses batches, else one by one; a walk-forward session's trials run on its first training
 * window. Nothing is written: a command's logs go to a temporary folder that is removed.
 * @throws InputError for what would fail every trial of the session (bad data or module, a missing variable),
 *   or when every pilot trial fails.
 */
export async function runPilot(spec: SessionSpec, count: number, signal: AbortSignal): Promise<PilotResult> {
  const sets = pilotParams(spec, count);
  const result = spec.evaluator.kind === 'command' ? await pilotCommand(spec, spec.evaluator, sets, signal) : pilotBacktests(spec, spec.evaluator, sets);
  if (result.failed === result.trials) {
    throw new InputError(`every one of the ${result.trials} pilot trials failed, so there is nothing to time; the first said: ${result.firstError}`);
  }
  return result;
}

/** How long the pilot runs its trials again before timing them, and then while timing them (at least once each). */
const WARMUP_MS = 1000;
const TIMING_MS = 1000;
const MAX_PASSES = 25;

/** Runs `pass` until `budgetMs` has passed (at least once, at most `maxPasses` times) and returns each pass's time. */
function timePasses(pass: () => void, budgetMs: number, maxPasses: number): number[] {
  const times: number[] = [];
  const started = performance.now();
  do {
    const t = performance.now();
    pass();
    times.push(performance.now() - t);
  } while (times.length < maxPasses && performance.now() - started < budgetMs);
  return times;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/**
 * Millisecond backtests run several times slower until the JIT has compiled them, and a session of many trials
 * runs compiled: the pilot set runs untimed for about a second (at least once), then is timed pass by pass for
 * about a second (at least once), and the median pass counts. A slow strategy runs it twice in all. A session's
 * batches are larger and share more indicators than the pilot's, so its trials may well run faster.
 */
function pilotBacktests(spec: SessionSpec, evaluator: BacktestEvaluatorSpec, sets: Params[]): PilotResult {
  const first = spec.walkForward?.splits[0];
  const runSpec = first ? { ...evaluator, window: first.train } : evaluator;
  const batched = (spec.trial.batch ?? 1) !== 1;
  let errors: Error[] = [];
  const pass = () => {
    errors = [];
    if (batched) {
      for (const outcome of runBacktestTrials(runSpec, sets)) if (outcome instanceof Error) errors.push(outcome);
      return;
    }
    for (const params of sets) {
      try {
        runBacktestTrial(runSpec, params);
      } catch (err) {
        if (!(err instanceof InvalidParametersError)) throw err;
        errors.push(err);
      }
    }
  };
  const warmup = timePasses(pass, WARMUP_MS, MAX_PASSES);
  const timed = timePasses(pass, TIMING_MS, MAX_PASSES);
  return {
    trials: sets.length,
    failed: errors.length,
    firstError: errors[0]?.message ?? null,
    trialMs: median(timed) / sets.length,
    how: batched ? 'batch' : 'one by one',
    passes: timed.length,
    warmupMs: warmup.reduce((a, b) => a + b, 0),
  };
}

async function pilotCommand(spec: SessionSpec, evaluator: CommandEvaluatorSpec, sets: Params[], signal: AbortSignal): Promise<PilotResult> {
  const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tuneflow-estimate-'));
  try {
    const evaluate = createCommandEvaluator({ ...evaluator, logDir, maxLogBytes: 1 << 16 });
    const errors: Error[] = [];
    const started = performance.now();
    for (const [i, params] of sets.entries()) {
      if (signal.aborted) break;
      try {
        await evaluate({ sessionId: 'estimate', trialId: i + 1, params, evaluator, objective: spec.objective, attempt: 1 }, signal);
      } catch (err) {
        if (err instanceof EvaluatorEnvError || signal.aborted) throw err;
        errors.push(err as Error);
      }
    }
    return { trials: sets.length, failed: errors.length, firstError: errors[0]?.message ?? null, trialMs: (performance.now() - started) / sets.length, how: 'command', passes: 1, warmupMs: null };
  } finally {
    fs.rmSync(logDir, { recursive: true, force: true });
  }
}
