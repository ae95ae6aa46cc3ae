import type { Command } from 'commander';
import type { ScoredTrial } from '../../analysis/trials';
import { BoundedBest } from '../../analysis/boundedBest';
import { toCsv } from '../../files/csv';
import { METRIC_DIRECTION } from '../../config/metrics';
import type { MetricName } from '../../backtest/types';
import { InputError } from '../../errors';
import { positiveInt, sessionIdArgument } from '../options';
import { table } from '../print';
import { withSession } from '../storeAccess';
import { FRONT_CAPACITY, ParetoArchive } from '../../analysis/pareto';
import { isRanked } from '../../activities/trialScan';
import type { TrialStore } from '../../store/trialStore';
import type { SessionSpec } from '../../types/session';
import { trialRanksBefore } from '../../search/ranking';

interface ResultsFlags {
  topN: number;
  metric?: string;
  csv?: boolean;
  pareto?: boolean;
}

export function registerResultsCommand(program: Command): void {
  program
    .command('results')
    .description("a session's best ranked trials from the trial store (also while it runs)")
    .argument('<session>', 'session id', sessionIdArgument)
    .option('--top-n <n>', 'rows to show', positiveInt('--top-n'), 10)
    .option('--metric <name>', 'rank by this metric instead of the objective')
    .option('--csv', 'print CSV')
    .option('--pareto', "the whole Pareto front of a multi-objective session's objectives instead (every non-dominated trial)")
    .action(async (sessionId: string, flags: ResultsFlags) => {
      if (flags.pareto && flags.metric) throw new InputError('--pareto lists the front of the session\'s own objectives; leave out --metric.');
      await withSession(sessionId, async ({ store, spec }) => {
        if (flags.pareto) return printFront(sessionId, spec, store, flags.csv === true);
        const metric = flags.metric ?? spec.objective.metric;
        const direction = flags.metric ? (Object.hasOwn(METRIC_DIRECTION, flags.metric) ? METRIC_DIRECTION[flags.metric as MetricName] : undefined) : spec.objective.direction;
        if (!direction) throw new InputError(`--metric: unknown metric "${flags.metric}"; choose one of ${Object.keys(METRIC_DIRECTION).join(', ')}.`);
        // Streamed through a bounded heap: a session may hold a million trials.
        const best = new BoundedBest<ScoredTrial>(flags.topN, trialRanksBefore(direction));
        let stored = 0, failed = 0, pruned = 0;
        for await (const t of store.iterateTrials(sessionId)) {
          stored++;
          if (t.status === 'failed') failed++;
          if (t.status === 'pruned') pruned++;
          const value = t.metrics[metric];
          // Trials the session does not rank (too few trades, a broken result constraint) are never listed as best.
          if (t.status === 'succeeded' && t.objective !== null && typeof value === 'number' && Number.isFinite(value)) best.offer({ ...t, objective: value });
        }
        const ranked = best.sorted();
        const names = Object.keys(spec.search.space).sort();
        const header = ['rank', 'trial_id', ...names, metric, 'trades', 'return_pct', 'max_drawdown_pct'];
        const rows = ranked.map((t, i) => [i + 1, t.trialId, ...names.map((n) => t.params[n]), t.objective, t.metrics.trades, t.metrics.return_pct, t.metrics.max_drawdown_pct]);
        if (flags.csv) process.stdout.write(toCsv(header, rows));
        else {
          console.log(`Session ${sessionId}: ${stored} trials stored, ${failed} failed${spec.pruning ? `, ${pruned} pruned` : ''}; top ${ranked.length} by ${metric}:`);
          console.log(table(header, rows));
        }
      });
    });
}

/** `results --pareto`: the front of the session's objectives over every trial stored so far, streamed. */
async function printFront(sessionId: string, spec: SessionSpec, store: TrialStore, csv: boolean): Promise<void> {
  const objectives = spec.objectives;
  if (!objectives) {
    throw new InputError(
      `--pareto: session ${sessionId} has one objective, ${spec.objective.metric}, so its best trials are all there is: run tuneflow results ${sessionId}. ` +
        'A session gets a Pareto front from a list of objectives in its config, e.g. objective: [sharpe, max_drawdown_pct].',
    );
  }
  const archive = new ParetoArchive(objectives.map((o) => o.direction));
  let stored = 0, failed = 0;
  for await (const t of store.iterateTrials(sessionId)) {
    stored++;
    if (t.status === 'failed') failed++;
    if (isRanked(t)) archive.offer({ trialId: t.trialId, params: t.params, values: objectives.map((o) => t.metrics[o.metric] as number) });
  }
  const front = archive.front();
  const names = Object.keys(spec.search.space).sort();
  const metrics = objectives.map((o) => o.metric);
  const header = ['trial_id', ...names, ...metrics];
  const rows = front.map((t) => [t.trialId, ...names.map((n) => t.params[n]), ...t.values]);
  if (csv) {
    process.stdout.write(toCsv(header, rows));
    return;
  }
  const described = objectives.map((o) => `${o.direction} ${o.metric}`).join(', ');
  console.log(`Session ${sessionId}: ${stored} trials stored, ${failed} failed; Pareto front of ${described}: ${front.length} trials, best ${metrics[0]} first:`);
  console.log(table(header, rows));
  if (archive.thinned > 0) console.log(`The front had more than ${FRONT_CAPACITY} trials: ${archive.thinned} of them, the most crowded, are left out.`);
}
