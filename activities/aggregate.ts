import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {
  paramImportance, rankColumns, renderReportHtml, renderSummaryMarkdown, sensitivity, sensitivityRows, SENSITIVITY_COLUMNS, weightedRankPlan,
  type ColumnRanks, type WeightedRank,
} from '../analysis';
import type { RobustChoice } from '../analysis/neighbourhood';
import type { Params } from '../search/types';
import { InputError } from '../errors';
import type { OverfittingReport } from '../analysis/overfitting';
import { timeBreakdown, type SessionTimes } from '../analysis/timeBreakdown';
import { recommendedOf, type ParetoResult } from '../analysis/pareto';
import type { BacktestEvaluatorSpec, LeaderboardEntry, ObjectiveSpec, SessionCounts, SessionSpec, WarmStartNote } from '../types/session';
import type { MetricValues } from '../types/trial';
import { bestEquityCurve } from '../evaluators/backtest';
import { ExternalSorter } from './externalSort';
import { overfittingJson, OverfittingCollector, pboSettings } from './overfitting';
import { NeighbourhoodCollector } from './neighbourhoods';
import { writeFileAtomic } from '../files/atomic';
import { CsvFile, toCsv } from '../files/csv';
import { ANALYSIS_SAMPLE, scanTrials, type TrialScan } from './trialScan';
import type { TrialStore } from '../store/trialStore';

export interface AggregateInput {
  spec: SessionSpec;
  leaderboard: LeaderboardEntry[];
  counts: SessionCounts;
  runs: number;
  stoppedBy: 'complete' | 'deadline' | 'stopped' | 'cancelled';
  startedAt: number;
}

export interface AggregateResult {
  outputDir: string;
  files: string[];
}

/** What run.json reports besides the trials, read from the store before aggregating. */
export interface RunStatistics {
  /** Per-worker totals of the session (WorkerStatsStore.sessionTotals). */
  workers: Record<string, Record<string, number>>;
  /** Where the trials' time went; null for sessions whose workers did not record it. */
  times: SessionTimes | null;
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

  /** A CSV file written row by row; it replaces `name` only at {@link commit}. */
  csv(name: string, header: readonly string[]): CsvFile {
    return new CsvFile(path.join(this.dir, name), header);
  }

  commit(file: CsvFile): void {
    file.commit();
    this.files.push(file.file);
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
 * run.json, and for a multi-objective session pareto.csv. Every file is written atomically, and all of them can
 * be regenerated at any time.
 *
 * Memory stays bounded whatever the number of trials: the store is read once in pages (trialScan.ts);
 * trials.csv is streamed, rankings.csv is sorted externally (runs on disk, k-way merge) so it stays complete;
 * the weighted rank is exact over all trials from a few numbers per trial; sensitivity, importance and the
 * report's charts read a seeded sample of at most {@link ANALYSIS_SAMPLE} scored trials plus the best ones,
 * and summary.md and report.html say so when they do; the Pareto front is kept as the trials stream by
 * (ParetoArchive: exact up to a thousand non-dominated trials, thinned beyond, and the outputs say so).
 * `beat` is called between the heavier steps so a long aggregation keeps heartbeating.
 */
export async function aggregate(
  store: TrialStore,
  input: AggregateInput,
  versions: Record<string, string>,
  statistics: RunStatistics,
  beat: () => void = () => undefined,
): Promise<AggregateResult> {
  const { spec } = input;
  const out = new OutputWriter(path.join(spec.output.dir, spec.sessionId));
  const weights = rankWeights(spec);
  const directions = Object.fromEntries((spec.objectives ?? [spec.objective]).map((o) => [o.metric, o.direction]));
  const plan = weightedRankPlan({ weights, minTrades: spec.minTrades, directions });
  const paramNames = Object.keys(spec.search.space).sort();
  fs.mkdirSync(out.dir, { recursive: true });
  const scratch = fs.mkdtempSync(path.join(out.dir, '.aggregate-'));
  const sorter = new ExternalSorter(scratch);
  const neighbourhoods = spec.select ? new NeighbourhoodCollector(spec, spec.select, scratch) : undefined;
  // Only sessions that use the result cache have its column, so every other trials.csv keeps its shape.
  const cachedColumn = spec.evaluator.kind === 'backtest' && spec.evaluator.cache ? ['cached'] : [];
  // Likewise the stage a pruned trial stopped after and its objective there, for sessions with pruning.
  const prunedColumns = spec.pruning ? ['pruned_stage', 'pruned_value'] : [];
  const trialsCsv = out.csv('trials.csv', ['trial_id', 'status', 'attempt', 'worker_id', 'duration_ms', ...paramNames, 'objective', 'error', 'note', ...cachedColumn, ...prunedColumns]);
  try {
    const overfittingTrials = OverfittingCollector.of(spec);
    const scan = await scanTrials(store, spec, plan, { trialsCsv, rankings: sorter, neighbourhoods, beat, ranked: (t) => overfittingTrials.offer(t) });
    out.commit(trialsCsv);
    beat();
    const ranks = rankColumns(plan, scan.columns);
    beat();
    const overfitting = overfittingTrials.assess();
    beat();
    const weighted = weightedLookup(scan.columns.ids, ranks);
    const robust = neighbourhoods?.choose(beat) ?? null;
    const pareto = scan.front && spec.objectives ? await paretoOf(store, spec.sessionId, spec.objectives, scan.front, weighted, weights) : undefined;
    writeBestParams(out, spec, scan, weighted, overfitting, robust && (await recommendation(store, spec, robust)), pareto);
    writeRankingsCsv(out, paramNames, scan.metricNames, sorter, weighted, robust, beat);
    if (pareto) writeParetoCsv(out, paramNames, pareto);
    const rows = await topWeighted(store, spec, scan, ranks, plan.metrics);

    const sens = sensitivity(scan.sample, { direction: spec.objective.direction, space: spec.search.space });
    beat();
    const importance = paramImportance(scan.sample, { space: spec.search.space, seed: spec.search.seed });
    beat();
    out.write('sensitivity.csv', toCsv([...SENSITIVITY_COLUMNS], sensitivityRows(sens)));
    out.write('importance.csv', toCsv(['param', 'importance'], importance.map((i) => [i.param, i.importance])));
    const ranking = { weights, minTrades: spec.minTrades, rows, unrankable: scan.columns.rankable.length - countTrue(scan.columns.rankable) };
    const meta = await store.getMeta(spec.sessionId);
    const sampled = scan.sample.length < scan.scored ? { sampled: scan.sample.length, of: scan.scored } : undefined;
    const common = {
      sessionId: spec.sessionId, objective: spec.objective, trials: scan.sample, counts: scan.counts, sampled, ranking, importance, sensitivity: sens, overfitting, topN: spec.output.topN, pareto,
      ...(robust && spec.select ? { robust: { choice: robust, select: spec.select } } : {}),
      ...(scan.violations ? { violations: scan.violations } : {}),
      ...(meta?.warmStart ? { warmStart: meta.warmStart } : {}),
      ...(scan.prunedByStage ? { prunedByStage: scan.prunedByStage } : {}),
    };
    out.write('summary.md', renderSummaryMarkdown(common));
    beat();
    const best = rows.find((r) => r.rankable && r.trial.objective !== null)?.trial;
    const equity = best && spec.evaluator.kind === 'backtest' ? drawableEquity(spec.evaluator, best.params) : {};
    const times = statistics.times && timeBreakdown(statistics.times);
    out.write('report.html', renderReportHtml({ ...common, space: spec.search.space, ...equity, timeBreakdown: times ?? undefined, generatedAt: new Date().toISOString() }));

    out.writeJson('run.json', {
      ...runIdentity(spec, versions, meta?.startedAt ?? input.startedAt),
      data_sha256: await sha256File(spec.evaluator.dataPath),
      resolved: {
        evaluator: spec.evaluator, objective: spec.objective, search: spec.search, trial: spec.trial, session: spec.session, pbo: pboSettings(spec),
        ...(spec.pruning ? { pruning: spec.pruning } : {}),
      },
      stopped_by: input.stoppedBy,
      workflow_runs: input.runs,
      counts: scan.counts,
      ...(meta?.warmStart ? { warm_start: warmStartJson(meta.warmStart) } : {}),
      ...(scan.prunedByStage ? { pruned_by_stage: scan.prunedByStage } : {}),
      workers: statistics.workers,
      time_breakdown: times,
    });
  } finally {
    trialsCsv.discard();
    sorter.dispose();
    neighbourhoods?.dispose();
    fs.rmSync(scratch, { recursive: true, force: true });
  }
  return { outputDir: out.dir, files: out.files };
}

/** run.json's `warm_start`: the session whose trials seeded this one's search, in the file's snake case. */
function warmStartJson(note: WarmStartNote) {
  return { session: note.session, trials: note.trials, out_of_space: note.outOfSpace, beyond_cap: note.beyondCap, note: `warm-started from ${note.session} with ${note.trials} trials` };
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

/** The weights of the multi-metric rank: the config's, else every objective alike. */
function rankWeights(spec: SessionSpec): Record<string, number> {
  if (Object.keys(spec.rankWeights).length > 0) return spec.rankWeights;
  return Object.fromEntries((spec.objectives ?? [spec.objective]).map((o) => [o.metric, 1]));
}

/** The front with each trial's weighted rank and metrics (read back from the store), and the trial the rank recommends. */
async function paretoOf(
  store: TrialStore,
  sessionId: string,
  objectives: ObjectiveSpec[],
  front: NonNullable<TrialScan['front']>,
  weighted: WeightedLookup,
  weights: Record<string, number>,
): Promise<ParetoResult> {
  const records = await store.getTrials(sessionId, front.trials.map((t) => t.trialId));
  const rows = front.trials.map((t) => ({ ...t, weightedRank: weighted(t.trialId)?.rank ?? null, metrics: records.get(t.trialId)?.metrics ?? {} }));
  return { objectives, rows, recommended: recommendedOf(rows), weights, thinned: front.thinned };
}

/** pareto.csv: the non-dominated trials, best first by the first objective, with every objective and the weighted rank. */
function writeParetoCsv(out: OutputWriter, paramNames: string[], pareto: ParetoResult): void {
  const metrics = pareto.objectives.map((o) => o.metric);
  out.write('pareto.csv', toCsv(
    ['trial_id', ...paramNames, ...metrics, 'weighted_rank', 'recommended'],
    pareto.rows.map((r) => [r.trialId, ...paramNames.map((p) => r.params[p]), ...r.values, r.weightedRank, r.trialId === pareto.recommended]),
  ));
}

/** A trial's weighted rank and score by id: a binary search over the ascending ids of the rank columns. */
type WeightedLookup = (trialId: number) => { rank: number; score: number } | undefined;

function weightedLookup(ids: ArrayLike<number>, ranks: ColumnRanks): WeightedLookup {
  return (trialId) => {
    let lo = 0, hi = ids.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (ids[mid] === trialId) return { rank: ranks.rank[mid], score: ranks.score[mid] };
      if (ids[mid] < trialId) lo = mid + 1;
      else hi = mid - 1;
    }
    return undefined;
  };
}

function writeBestParams(
  out: OutputWriter, spec: SessionSpec, scan: TrialScan, weighted: WeightedLookup, overfitting: OverfittingReport, chosen: Recommendation | null, pareto?: ParetoResult,
): void {
  const neighbourhood = new Map(chosen?.robust.rows.map((r) => [r.trialId, neighbourhoodFields(r)]));
  const best = scan.top.map((t, i) => ({
    rank: i + 1,
    trial_id: t.trialId,
    params: t.params,
    objective: t.objective,
    weighted_rank: weighted(t.trialId)?.rank ?? null,
    ...neighbourhood.get(t.trialId),
    metrics: t.metrics,
  }));
  out.writeJson('best_params.json', { session_id: spec.sessionId, objective: spec.objective, ...overfittingJson(overfitting), best, ...chosen?.fields, ...(pareto ? { pareto: paretoJson(pareto) } : {}) });
}

/**
 * best_params.json's `pareto`: the objectives, the front (best first by the first objective) and the trial the
 * weighted rank recommends among it.
 */
function paretoJson(pareto: ParetoResult) {
  const chosen = pareto.rows.find((r) => r.trialId === pareto.recommended);
  return {
    objectives: pareto.objectives,
    size: pareto.rows.length,
    thinned: pareto.thinned,
    recommended: chosen ? { trial_id: chosen.trialId, params: chosen.params, weighted_rank: chosen.weightedRank, by: 'weighted_rank', weights: pareto.weights } : null,
    front: pareto.rows.map((r) => ({
      trial_id: r.trialId,
      params: r.params,
      objectives: Object.fromEntries(pareto.objectives.map((o, j) => [o.metric, r.values[j]])),
      weighted_rank: r.weightedRank,
      recommended: r.trialId === pareto.recommended,
      metrics: r.metrics,
    })),
  };
}

/**
 * rankings.csv: every ranked trial, best first by the objective (ties: the lower id), merged from the sorted
 * runs; with `select`, the robust rank and neighbourhood of the `top_k` best beside their rank.
 */
function writeRankingsCsv(
  out: OutputWriter, paramNames: string[], metricNames: string[], sorter: ExternalSorter, weighted: WeightedLookup, robust: RobustChoice | null, beat: () => void,
): void {
  const neighbourhood = new Map(robust?.rows.map((r) => [r.trialId, [r.robustRank, r.neighbours, r.mean, r.worst]]));
  const robustColumns = robust ? ['robust_rank', 'neighbours', 'neighbourhood_mean', 'neighbourhood_worst'] : [];
  const csv = out.csv('rankings.csv', ['rank', 'trial_id', ...paramNames, 'objective', 'weighted_rank', 'weighted_score', ...robustColumns, ...metricNames]);
  try {
    for (const item of sorter.sorted()) {
      const [objective, params, metrics] = JSON.parse(item.payload) as [number, Params, MetricValues];
      const w = weighted(item.id);
      const near = robust ? (neighbourhood.get(item.id) ?? robustColumns.map(() => null)) : [];
      csv.row([csv.rows + 1, item.id, ...paramNames.map((p) => params[p]), objective, w?.rank, w?.score, ...near, ...metricNames.map((m) => metrics[m])]);
      if (csv.rows % 10_000 === 0) beat();
    }
    out.commit(csv);
  } finally {
    csv.discard();
  }
}

/** What best_params.json says of the robust choice besides the best trials' neighbourhoods. */
interface Recommendation {
  robust: RobustChoice;
  fields: Record<string, unknown>;
}

/**
 * `select` as configured, what chose the recommended trial and the trial itself, with its metrics read back
 * from the store (it need not be among the best N that keep theirs).
 */
async function recommendation(store: TrialStore, spec: SessionSpec, robust: RobustChoice): Promise<Recommendation> {
  const rec = robust.recommended;
  const record = rec ? (await store.getTrials(spec.sessionId, [rec.trialId])).get(rec.trialId) : undefined;
  const select = spec.select!;
  return {
    robust,
    fields: {
      select: { by: select.by, top_k: select.topK, radius: select.radius, min_neighbours: select.minNeighbours },
      recommended_by: robust.recommendedBy,
      ...(robust.fallback ? { fallback: robust.fallback } : {}),
      recommended: rec && { trial_id: rec.trialId, rank: rec.rank, params: rec.params, objective: rec.objective, ...neighbourhoodFields(rec), metrics: record?.metrics ?? {} },
    },
  };
}

function neighbourhoodFields(r: RobustChoice['rows'][number]) {
  return { robust_rank: r.robustRank, neighbours: r.neighbours, neighbourhood_mean: r.mean, neighbourhood_worst: r.worst };
}

/** The best `topN` trials of the weighted rank, read back from the store, as the summary and report list them. */
async function topWeighted(store: TrialStore, spec: SessionSpec, scan: TrialScan, ranks: ColumnRanks, metrics: string[]): Promise<WeightedRank[]> {
  const order = Array.from(ranks.order.subarray(0, spec.output.topN));
  const records = await store.getTrials(spec.sessionId, order.map((i) => scan.columns.ids[i]));
  return order.flatMap((i) => {
    const trial = records.get(scan.columns.ids[i]);
    if (!trial) return [];
    return [{
      rank: ranks.rank[i], trialId: trial.trialId, score: ranks.score[i], rankable: scan.columns.rankable[i],
      metricScores: Object.fromEntries(metrics.map((m) => [m, ranks.metricScores[m][i]])), trial,
    }];
  });
}

function countTrue(values: ArrayLike<boolean>): number {
  let n = 0;
  for (let i = 0; i < values.length; i++) if (values[i]) n++;
  return n;
}

/** The SHA-256 of a file, read as a stream: data files may be larger than memory should hold. */
async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
