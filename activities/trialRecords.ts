import { parseResultConstraints, violatedConstraints, violationNote, type ResultConstraint } from '../config/resultConstraints';
import type { Params } from '../search/types';
import type { MetricValues, TrialRecord } from '../types/trial';

/** Which trial a record is of, and what ranks it. */
export interface RecordedTrial {
  sessionId: string;
  trialId: number;
  params: Params;
  objective: { metric: string };
  /** Every objective of a multi-objective session (the first is `objective`): a trial is ranked only when all are finite. */
  objectives?: { metric: string }[];
  /** Trials with fewer trades are stored but not ranked (0 or absent: no guard). */
  minTrades?: number;
  /** Conditions on the metrics a trial must meet to be ranked, e.g. `trades >= 20` (absent: none). */
  resultConstraints?: string[];
}

/** Parsed once per activity input: every trial of a batch shares its input's list. */
const parsedConstraints = new WeakMap<readonly string[], ResultConstraint[]>();

function resultConstraintsOf(trial: RecordedTrial): ResultConstraint[] {
  const texts = trial.resultConstraints;
  if (!texts?.length) return [];
  let parsed = parsedConstraints.get(texts);
  if (!parsed) {
    parsed = parseResultConstraints(texts);
    parsedConstraints.set(texts, parsed);
  }
  return parsed;
}

/** Who ran a trial's attempt and for how long: the part every record shares. */
interface Attempt {
  attempt: number;
  workerId: string;
  durationMs: number;
}

/** The fields every kind of record has; `status` and the rest are the caller's. */
function recordOf(trial: { sessionId: string; trialId: number; params: Params }, { attempt, workerId, durationMs }: Attempt) {
  return { sessionId: trial.sessionId, trialId: trial.trialId, params: trial.params, attempt, workerId, durationMs, finishedAt: new Date().toISOString() };
}

/**
 * The record of a trial that ran to the end: ranked by its objective, unless the trial made fewer trades
 * than `minTrades`, breaks a result constraint, or its objective is not a finite number, which the record's
 * note explains. The workflow hands an unranked trial to the sampler as failed.
 */
export function succeededRecord(trial: RecordedTrial, metrics: MetricValues, attempt: number, workerId: string, durationMs: number): TrialRecord {
  const note = unrankedNote(trial, metrics);
  const value = metrics[trial.objective.metric];
  return {
    ...recordOf(trial, { attempt, workerId, durationMs }),
    status: 'succeeded',
    metrics,
    objective: note === null ? (value as number) : null,
    ...(note === null ? {} : { note }),
  };
}

/** Why a succeeded trial is not ranked, or null when it is. */
function unrankedNote(trial: RecordedTrial, metrics: MetricValues): string | null {
  const trades = metrics.trades;
  if (trial.minTrades && typeof trades === 'number' && trades < trial.minTrades) return `not ranked: ${trades} trades < min_trades ${trial.minTrades}`;
  const violated = violatedConstraints(resultConstraintsOf(trial), metrics)[0];
  if (violated) return violationNote(violated, metrics);
  const undefinedMetric = (trial.objectives ?? [trial.objective]).map((o) => o.metric).find((m) => !isFiniteNumber(metrics[m]));
  if (undefinedMetric === undefined) return null;
  const value = metrics[undefinedMetric];
  return `not ranked: ${undefinedMetric} is ${value === null || value === undefined ? 'undefined' : String(value)} (e.g. no trades, or no variation in returns)`;
}

/** A succeeded trial left unranked because its metrics break one of the session's result constraints. */
export function breaksResultConstraints(trial: RecordedTrial, record: TrialRecord): boolean {
  return record.status === 'succeeded' && record.objective === null && violatedConstraints(resultConstraintsOf(trial), record.metrics).length > 0;
}

function isFiniteNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

/**
 * What the workflow learns of a ranked trial of a multi-objective session: every objective's value, in order;
 * undefined for a single objective or a trial that is not ranked.
 */
export function objectiveValues(record: TrialRecord, objectives: readonly { metric: string }[] | undefined): number[] | undefined {
  if (!objectives || record.status !== 'succeeded' || record.objective === null) return undefined;
  return objectives.map((o) => record.metrics[o.metric] as number);
}

/**
 * The record of a trial the pruning rule stopped after `stage`: the metrics of its window up to there, its
 * objective there, and the rule's reason as the note. Never ranked; the workflow hands it to the sampler as infeasible.
 */
export function prunedRecord(
  trial: { sessionId: string; trialId: number; params: Params },
  metrics: MetricValues,
  pruned: { stage: number; value: number; reason: string },
  attempt: number,
  workerId: string,
  durationMs: number,
): TrialRecord {
  return {
    ...recordOf(trial, { attempt, workerId, durationMs }),
    status: 'pruned',
    metrics,
    objective: null,
    note: pruned.reason,
    pruned: { stage: pruned.stage, value: pruned.value },
  };
}

export function failedRecord(
  trial: { sessionId: string; trialId: number; params: Params },
  attempt: number,
  workerId: string,
  error: string,
  durationMs: number,
): TrialRecord {
  return { ...recordOf(trial, { attempt, workerId, durationMs }), status: 'failed', metrics: {}, objective: null, error };
}
