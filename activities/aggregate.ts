import path from 'node:path';
import { paramImportance, renderReportHtml, renderSummaryMarkdown, sensitivity, sensitivityRows, SENSITIVITY_COLUMNS, weightedRank } from '../analysis';
import type { Params } from '../search/types';
import { InputError } from '../types/errors';
import type { BacktestEvaluatorSpec, LeaderboardEntry, SessionCounts, SessionSpec } from '../types/session';
import type { TrialRecord } from '../types/trial';
import { bestEquityCurve } from './backtestTrial';
import { toCsv, writeFileAtomic } from './files';
import { rankTrials } from './ranking';
import type { TrialStore } from './trialStore';

export interface AggregateInput {
  spec: SessionSpec;
  leaderboard: LeaderboardEntry[];
  counts: SessionCounts;
  runs: number;
  stoppedBy: 'complete' | 'deadline' | 'cancelled';
  startedAt: number;
}

export interface AggregateResult {
  outputDir: string;
  files: string[];
}

/** Writes files into one session's output folder, atomically, remembering what it wrote. */
export class OutputWriter {
  readonly files: string[] = [];
  constructor(readonly dir: string) {}

  write(name: string, content: string): void {
    const file = path.join(this.dir, name);
    writeFileAtomic(file, content);
    this.files.push(file);
  }

  writeJson(name: string, value: unknown): void {
    this.write(name, JSON.stringify(value, null, 2) + '\n');
  }
}

/** The fields every run.json starts with: which session, from which config, with which seed and versions, when. */
export function runIdentity(spec: SessionSpec, versions: Record<string, string>, startedAt: number | undefined) {
  return {
    session_id: spec.sessionId,
    config_path: spec.configPath,
    config: spec.config,
    seed: spec.search.seed,
    versions,
    started_at: startedAt === undefined ? null : new Date(startedAt).toISOString(),
    finished_at: new Date().toISOString(),
  };
}

/**
 * Writes a session's outputs from the trial store: best_params.json, rankings.csv (objective rank and the
 * multi-metric weighted rank), trials.csv, sensitivity.csv, importance.csv, summary.md, report.html and
 * run.json. Every file is written atomically, and all of them can be regenerated at any time.
 * `beat` is called between the heavier steps so a long aggregation keeps heartbeating.
 */
export async function aggregate(
  store: TrialStore,
  input: AggregateInput,
  versions: Record<string, string>,
  workers: Record<string, Record<string, number>>,
  beat: () => void = () => undefined,
): Promise<AggregateResult> {
  const { spec } = input;
  const trials = await store.allTrials(spec.sessionId);
  const out = new OutputWriter(path.join(spec.output.dir, spec.sessionId));
  const analysis = analyse(spec, trials, beat);
  writeRankings(out, spec, trials, analysis.ranking);
  beat();
  out.write('sensitivity.csv', toCsv([...SENSITIVITY_COLUMNS], sensitivityRows(analysis.sensitivity)));
  out.write('importance.csv', toCsv(['param', 'importance'], analysis.importance.map((i) => [i.param, i.importance])));
  const common = { sessionId: spec.sessionId, objective: spec.objective, trials, ranking: analysis.rankingInput, importance: analysis.importance, sensitivity: analysis.sensitivity, topN: spec.output.topN };
  out.write('summary.md', renderSummaryMarkdown(common));
  beat();
  const best = analysis.ranking.find((r) => r.rankable && r.trial.objective !== null)?.trial;
  const equity = best && spec.evaluator.kind === 'backtest' ? drawableEquity(spec.evaluator, best.params) : {};
  out.write('report.html', renderReportHtml({ ...common, space: spec.search.space, ...equity, generatedAt: new Date().toISOString() }));

  const meta = await store.getMeta(spec.sessionId);
  out.writeJson('run.json', {
    ...runIdentity(spec, versions, meta?.startedAt ?? input.startedAt),
    resolved: { evaluator: spec.evaluator, objective: spec.objective, search: spec.search, trial: spec.trial, session: spec.session },
    stopped_by: input.stoppedBy,
    workflow_runs: input.runs,
    counts: countStatuses(trials),
    workers,
  });
  return { outputDir: out.dir, files: out.files };
}

/**
 * The best trial's equity curve for the report, re-run on this worker. A re-run the engine refuses (the
 * parameters no longer fit the strategy, say) leaves a note instead: the chart is not worth the outputs.
 */
function drawableEquity(evaluator: BacktestEvaluatorSpec, params: Params): { bestEquity?: ReturnType<typeof bestEquityCurve>; bestEquityNote?: string } {
  try {
    return { bestEquity: bestEquityCurve(evaluator, params) };
  } catch (err) {
    if (err instanceof InputError) return { bestEquityNote: err.message };
    throw err;
  }
}

/** The weights of the multi-metric rank: the config's, else the objective alone. */
function rankWeights(spec: SessionSpec): Record<string, number> {
  return Object.keys(spec.rankWeights).length > 0 ? spec.rankWeights : { [spec.objective.metric]: 1 };
}

function analyse(spec: SessionSpec, trials: TrialRecord[], beat: () => void) {
  const weights = rankWeights(spec);
  const directions = { [spec.objective.metric]: spec.objective.direction };
  const ranking = weightedRank(trials, { weights, minTrades: spec.minTrades, directions });
  beat();
  const sens = sensitivity(trials, { direction: spec.objective.direction, space: spec.search.space });
  beat();
  const importance = paramImportance(trials, { space: spec.search.space, seed: spec.search.seed });
  beat();
  return { ranking, rankingInput: { weights, minTrades: spec.minTrades, rows: ranking }, sensitivity: sens, importance };
}

function writeRankings(out: OutputWriter, spec: SessionSpec, trials: TrialRecord[], ranking: ReturnType<typeof weightedRank>): void {
  const paramNames = Object.keys(spec.search.space).sort();
  const metricNames = [...new Set(trials.flatMap((t) => Object.keys(t.metrics)))].sort();
  const byObjective = rankTrials(trials, spec.objective.direction);
  const objectiveRank = new Map(byObjective.map((t, i) => [t.trialId, i + 1]));
  const weighted = new Map(ranking.map((r) => [r.trialId, r]));

  const best = byObjective.slice(0, spec.output.topN).map((t, i) => ({
    rank: i + 1,
    trial_id: t.trialId,
    params: t.params,
    objective: t.objective,
    weighted_rank: weighted.get(t.trialId)?.rank ?? null,
    metrics: t.metrics,
  }));
  out.writeJson('best_params.json', { session_id: spec.sessionId, objective: spec.objective, best });

  out.write(
    'rankings.csv',
    toCsv(
      ['rank', 'trial_id', ...paramNames, 'objective', 'weighted_rank', 'weighted_score', ...metricNames],
      byObjective.map((t) => {
        const w = weighted.get(t.trialId);
        return [objectiveRank.get(t.trialId), t.trialId, ...paramNames.map((p) => t.params[p]), t.objective, w?.rank, w?.score, ...metricNames.map((m) => t.metrics[m])];
      }),
    ),
  );

  out.write(
    'trials.csv',
    toCsv(
      ['trial_id', 'status', 'attempt', 'worker_id', 'duration_ms', ...paramNames, 'objective', 'error', 'note'],
      trials.map((t) => [t.trialId, t.status, t.attempt, t.workerId, Math.round(t.durationMs * 1000) / 1000, ...paramNames.map((p) => t.params[p]), t.objective, t.error ?? '', t.note ?? '']),
    ),
  );
}

function countStatuses(trials: TrialRecord[]): Record<string, number> {
  const counts: Record<string, number> = { total: trials.length, succeeded: 0, failed: 0, retried: 0 };
  for (const t of trials) {
    counts[t.status] += 1;
    if (t.attempt > 1) counts.retried += 1;
  }
  return counts;
}
