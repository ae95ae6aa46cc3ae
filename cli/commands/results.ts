import type { Command } from 'commander';
import type { RankedTrial } from '../../activities/ranking';
import { BoundedBest } from '../../analysis/boundedBest';
import { toCsv } from '../../activities/files';
import { METRIC_DIRECTION } from '../../config/metrics';
import type { MetricName } from '../../backtest/types';
import { InputError } from '../../types/errors';
import { positiveInt, sessionIdArgument } from '../options';
import { table } from '../print';
import { withSession } from '../storeAccess';

interface ResultsFlags {
  topN: number;
  metric?: string;
  csv?: boolean;
}

export function registerResultsCommand(program: Command): void {
  program
    .command('results')
    .description("a session's best ranked trials from the trial store (also while it runs)")
    .argument('<session>', 'session id', sessionIdArgument)
    .option('--top-n <n>', 'rows to show', positiveInt('--top-n'), 10)
    .option('--metric <name>', 'rank by this metric instead of the objective')
    .option('--csv', 'print CSV')
    .action(async (sessionId: string, flags: ResultsFlags) => {
      await withSession(sessionId, async ({ store, spec }) => {
        const metric = flags.metric ?? spec.objective.metric;
        const direction = flags.metric ? (Object.hasOwn(METRIC_DIRECTION, flags.metric) ? METRIC_DIRECTION[flags.metric as MetricName] : undefined) : spec.objective.direction;
        if (!direction) throw new InputError(`--metric: unknown metric "${flags.metric}"; choose one of ${Object.keys(METRIC_DIRECTION).join(', ')}.`);
        // Streamed through a bounded heap: a session may hold a million trials.
        const sign = direction === 'maximize' ? 1 : -1;
        const best = new BoundedBest<RankedTrial>(flags.topN, (a, b) => sign * (a.objective - b.objective) > 0 || (a.objective === b.objective && a.trialId < b.trialId));
        let stored = 0, failed = 0;
        for await (const t of store.iterateTrials(sessionId)) {
          stored++;
          if (t.status === 'failed') failed++;
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
          console.log(`Session ${sessionId}: ${stored} trials stored, ${failed} failed; top ${ranked.length} by ${metric}:`);
          console.log(table(header, rows));
        }
      });
    });
}
