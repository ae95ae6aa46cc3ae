import type { Command } from 'commander';
import { rankTrials } from '../../activities/ranking';
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
    .description("a session's best trials from the trial store (also while it runs)")
    .argument('<session>', 'session id', sessionIdArgument)
    .option('--top-n <n>', 'rows to show', positiveInt('--top-n'), 10)
    .option('--metric <name>', 'rank by this metric instead of the objective')
    .option('--csv', 'print CSV')
    .action(async (sessionId: string, flags: ResultsFlags) => {
      await withSession(sessionId, async ({ store, spec }) => {
        const metric = flags.metric ?? spec.objective.metric;
        const direction = flags.metric ? (Object.hasOwn(METRIC_DIRECTION, flags.metric) ? METRIC_DIRECTION[flags.metric as MetricName] : undefined) : spec.objective.direction;
        if (!direction) throw new InputError(`--metric: unknown metric "${flags.metric}"; choose one of ${Object.keys(METRIC_DIRECTION).join(', ')}.`);
        const trials = await store.allTrials(sessionId);
        const scored = trials.map((t) => ({ ...t, objective: typeof t.metrics[metric] === 'number' ? (t.metrics[metric] as number) : null }));
        const ranked = rankTrials(scored, direction).slice(0, flags.topN);
        const names = Object.keys(spec.search.space).sort();
        const header = ['rank', 'trial_id', ...names, metric, 'trades', 'return_pct', 'max_drawdown_pct'];
        const rows = ranked.map((t, i) => [i + 1, t.trialId, ...names.map((n) => t.params[n]), t.objective, t.metrics.trades, t.metrics.return_pct, t.metrics.max_drawdown_pct]);
        if (flags.csv) process.stdout.write(toCsv(header, rows));
        else {
          const failed = trials.filter((t) => t.status === 'failed').length;
          console.log(`Session ${sessionId}: ${trials.length} trials stored, ${failed} failed; top ${ranked.length} by ${metric}:`);
          console.log(table(header, rows));
        }
      });
    });
}
