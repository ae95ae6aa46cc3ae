import fs from 'node:fs';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { TrialStore } from '../../store/trialStore';
import type { WorkerStatsStore } from '../../store/redis/workerStats';
import type { LeaderboardEntry, SessionCounts, SessionSummary } from '../../types/session';
import type { TrialRecord } from '../../types/trial';

/** What the trial store, the outputs and the workflow's result say about one session after the faults. */
export interface Verification {
  trials: number;
  /** Trial ids 1..N with no record in the store. */
  lost: number[];
  /** Trial ids whose record is not one final record of that trial: another id or session, or not succeeded. */
  notFinal: number[];
  /** Members of the session's trial index beyond the N trial ids. */
  extraIndexEntries: number;
  /** Trial ids that appear more than once in rankings.csv and in trials.csv. */
  repeatedInRankings: number[];
  repeatedInTrialsCsv: number[];
  trialsCsvRows: number;
  storeSucceeded: number;
  workflow: SessionCounts;
  best: LeaderboardEntry | null;
  referenceBest: LeaderboardEntry | null;
  bestEqual: boolean;
  /** Trial ids whose parameters or objective differ from the undisturbed run's. */
  differing: number[];
  /** Records written by a later attempt than the first. */
  retried: number;
  /** Successful trial executions the workers counted for this session: above N, some trials ran twice. */
  executions: number;
}

/** The trial ids in one column of a CSV the aggregation wrote (ids are plain integers, never quoted). */
function idsInCsv(file: string, column: string): number[] {
  const [header, ...rows] = fs.readFileSync(file, 'utf8').trimEnd().split('\n');
  const index = header.split(',').indexOf(column);
  if (index < 0) throw new Error(`${file} has no ${column} column`);
  return rows.map((row) => Number(row.split(',')[index]));
}

function repeated(ids: number[]): number[] {
  const seen = new Set<number>();
  const twice = new Set<number>();
  for (const id of ids) (seen.has(id) ? twice : seen).add(id);
  return [...twice];
}

function byId(records: TrialRecord[]): Map<number, TrialRecord> {
  return new Map(records.map((r) => [r.trialId, r]));
}

export async function verifySession(opts: {
  store: TrialStore;
  stats: WorkerStatsStore;
  trials: number;
  summary: SessionSummary;
  reference: SessionSummary;
}): Promise<Verification> {
  const { store, summary, reference, trials } = opts;
  const records = await store.allTrials(summary.sessionId);
  const mine = byId(records);
  const theirs = byId(await store.allTrials(reference.sessionId));
  const lost: number[] = [];
  const notFinal: number[] = [];
  const differing: number[] = [];
  for (let id = 1; id <= trials; id++) {
    const record = mine.get(id);
    if (!record) {
      lost.push(id);
      continue;
    }
    if (record.trialId !== id || record.sessionId !== summary.sessionId || record.status !== 'succeeded' || !(record.attempt >= 1)) notFinal.push(id);
    const other = theirs.get(id);
    if (!other || !isDeepStrictEqual(record.params, other.params) || record.objective !== other.objective) differing.push(id);
  }
  const rankings = idsInCsv(path.join(summary.outputDir, 'rankings.csv'), 'trial_id');
  const trialsCsv = idsInCsv(path.join(summary.outputDir, 'trials.csv'), 'trial_id');
  const totals = await opts.stats.sessionTotals(summary.sessionId);
  return {
    trials,
    lost,
    notFinal,
    extraIndexEntries: (await store.countTrials(summary.sessionId)) - (trials - lost.length),
    repeatedInRankings: repeated(rankings),
    repeatedInTrialsCsv: repeated(trialsCsv),
    trialsCsvRows: trialsCsv.length,
    storeSucceeded: records.filter((r) => r.status === 'succeeded').length,
    workflow: summary.counts,
    best: summary.best,
    referenceBest: reference.best,
    bestEqual: summary.best !== null && isDeepStrictEqual(summary.best, reference.best),
    differing,
    retried: records.filter((r) => r.attempt > 1).length,
    executions: Object.values(totals).reduce((sum, t) => sum + (t.done ?? 0), 0),
  };
}
