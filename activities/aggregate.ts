import path from 'node:path';
import type { AggregateInput } from '.';
import type { TrialRecord } from '../types/trial';
import { toCsv, writeFileAtomic } from './files';
import type { TrialStore } from './trialStore';
import { rankTrials } from './ranking';

export interface AggregateResult {
  outputDir: string;
  files: string[];
}

/**
 * Writes a session's outputs from the trial store: best_params.json, rankings.csv, trials.csv and
 * run.json. Every file is written atomically, and all of them can be regenerated at any time.
 */
export async function aggregate(
  store: TrialStore,
  input: AggregateInput,
  versions: Record<string, string>,
  workers: Record<string, Record<string, number>>,
): Promise<AggregateResult> {
  const { spec } = input;
  const trials = await store.allTrials(spec.sessionId);
  const ranked = rankTrials(trials, spec.objective.direction);
  const outputDir = path.join(spec.output.dir, spec.sessionId);
  const paramNames = Object.keys(spec.search.space).sort();
  const metricNames = [...new Set(trials.flatMap((t) => Object.keys(t.metrics)))].sort();
  const files: string[] = [];
  const write = (name: string, content: string) => {
    const file = path.join(outputDir, name);
    writeFileAtomic(file, content);
    files.push(file);
  };

  const best = ranked.slice(0, spec.output.topN).map((t, i) => ({
    rank: i + 1,
    trial_id: t.trialId,
    params: t.params,
    objective: t.objective,
    metrics: t.metrics,
  }));
  write('best_params.json', JSON.stringify({ session_id: spec.sessionId, objective: spec.objective, best }, null, 2) + '\n');

  write(
    'rankings.csv',
    toCsv(
      ['rank', 'trial_id', ...paramNames, 'objective', ...metricNames],
      ranked.map((t, i) => [i + 1, t.trialId, ...paramNames.map((p) => t.params[p]), t.objective, ...metricNames.map((m) => t.metrics[m])]),
    ),
  );

  write(
    'trials.csv',
    toCsv(
      ['trial_id', 'status', 'attempt', 'worker_id', 'duration_ms', ...paramNames, 'objective', 'error'],
      trials.map((t) => [t.trialId, t.status, t.attempt, t.workerId, Math.round(t.durationMs * 1000) / 1000, ...paramNames.map((p) => t.params[p]), t.objective, t.error ?? '']),
    ),
  );

  const meta = await store.getMeta(spec.sessionId);
  write(
    'run.json',
    JSON.stringify(
      {
        session_id: spec.sessionId,
        config_path: spec.configPath,
        config: spec.config,
        resolved: { evaluator: spec.evaluator, objective: spec.objective, search: spec.search, trial: spec.trial, session: spec.session },
        seed: spec.search.seed,
        versions,
        started_at: new Date(meta?.startedAt ?? input.startedAt).toISOString(),
        finished_at: new Date().toISOString(),
        stopped_by: input.stoppedBy,
        workflow_runs: input.runs,
        counts: countStatuses(trials),
        workers,
      },
      null,
      2,
    ) + '\n',
  );
  return { outputDir, files };
}

function countStatuses(trials: TrialRecord[]): Record<string, number> {
  const counts: Record<string, number> = { total: trials.length, succeeded: 0, failed: 0, retried: 0 };
  for (const t of trials) {
    counts[t.status] += 1;
    if (t.attempt > 1) counts.retried += 1;
  }
  return counts;
}
