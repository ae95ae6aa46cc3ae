/**
 * Workflow history per trial, read from the histories recorded from real sessions in test/fixtures/histories
 * (the replay test's fixtures). Writes the "Workflow history per trial" section of BENCHMARKS.md.
 */
import fs from 'node:fs';
import path from 'node:path';
import { defaultPayloadConverter } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { machineDescription, writeBenchmarkSection } from '../harness/benchReport';
import { PROJECT_ROOT } from '../services/paths';

const DIR = path.join(PROJECT_ROOT, 'test', 'fixtures', 'histories');

interface HistoryFigures {
  file: string;
  events: number;
  trials: number;
  activities: number;
}

/** Events, and the trials and trial activities scheduled, in one recorded history. */
function figures(file: string): HistoryFigures {
  const history = temporal.api.history.v1.History.decode(fs.readFileSync(path.join(DIR, file)));
  let trials = 0;
  let activities = 0;
  for (const event of history.events ?? []) {
    const scheduled = event.activityTaskScheduledEventAttributes;
    const type = scheduled?.activityType?.name;
    if (type === 'evaluateTrial') trials += 1;
    else if (type === 'evaluateTrials') trials += defaultPayloadConverter.fromPayload<{ trials: unknown[] }>(scheduled!.input!.payloads![0]).trials.length;
    else continue;
    activities += 1;
  }
  return { file, events: history.events?.length ?? 0, trials, activities };
}

const perTrial = (h: HistoryFigures): number => h.events / h.trials;
const range = (values: number[]): string => `${Math.min(...values).toFixed(2)} to ${Math.max(...values).toFixed(2)}`;
/** Histories long enough that the session's fixed events (start, aggregation, completion) weigh little. */
const LONG = 50;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function main(): void {
  const rows = fs
    .readdirSync(DIR)
    .filter((f) => f.endsWith('.binpb'))
    .map(figures)
    .filter((h) => h.trials > 0)
    .sort((a, b) => a.trials / a.activities - b.trials / b.activities || a.file.localeCompare(b.file));
  const single = rows.filter((h) => h.trials === h.activities);
  const batched = rows.filter((h) => h.trials > h.activities);
  const largest = batched.reduce<HistoryFigures | null>((best, h) => (!best || h.trials / h.activities > best.trials / best.activities ? h : best), null);
  const table = rows.map((h) => `| ${h.file.replace(/\.binpb$/, '')} | ${h.events} | ${h.trials} | ${(h.trials / h.activities).toFixed(1)} | ${perTrial(h).toFixed(2)} |`);
  const body = [
    `Command: \`npm run bench:history\` · machine: ${machineDescription()} · date: ${new Date().toISOString().slice(0, 10)}`,
    '',
    'Every history recorded from a real session in `test/fixtures/histories` (the replay test replays each), one run of a continue-as-new chain per file; trials are those the run scheduled, in single-trial (`evaluateTrial`) or batch (`evaluateTrials`) activities. Sessions that scheduled no trial (walk-forward parents) are left out.',
    '',
    `- One trial per activity: median ${median(single.map(perTrial)).toFixed(2)} events per trial (${range(single.map(perTrial))}) over ${single.length} histories; ${range(single.filter((h) => h.trials >= LONG).map(perTrial))} in the ${single.filter((h) => h.trials >= LONG).length} of ${LONG} trials or more, where the session's fixed events weigh little.`,
    largest
      ? `- Batches: ${range(batched.map(perTrial))} events per trial over ${batched.length} histories; at ${(largest.trials / largest.activities).toFixed(1)} trials per activity, ${perTrial(largest).toFixed(2)}.`
      : '- Batches: no batched history recorded.',
    '',
    '| history | events | trials | trials per activity | events per trial |',
    '|---|---|---|---|---|',
    ...table,
  ].join('\n');
  writeBenchmarkSection('Workflow history per trial', body);
  console.log(body);
}

main();
