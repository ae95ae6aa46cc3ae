import type { Command } from 'commander';
import { loadCsv } from '../../backtest';
import { formatIsoTime } from '../../backtest/dates';
import { loadSessionSpec } from '../../config/load';
import { InputError } from '../../types/errors';
import { table } from '../print';

export function registerPlanCommand(program: Command): void {
  program
    .command('plan')
    .description("print a config's walk-forward split plan (no server needed)")
    .argument('<config>', 'campaign YAML file')
    .option('--json', 'print JSON')
    .action((configFile: string, flags: { json?: boolean }) => {
      const spec = loadSessionSpec(configFile, { sessionId: 'plan' });
      const wf = spec.walkForward;
      if (!wf) throw new InputError(`${configFile}: has no \`walk_forward\` section to plan.`);
      const time = loadCsv(spec.evaluator.dataPath).time;
      const day = (i: number) => formatIsoTime(time[i]);
      const rows = wf.splits.map((s) => ({
        split: s.k,
        train_from: day(s.train.start),
        train_to: day(s.train.end - 1),
        train_bars: s.train.end - s.train.start,
        test_from: day(s.test.start),
        test_to: day(s.test.end - 1),
        test_bars: s.test.end - s.test.start,
        warmup_from: day(s.train.start - wf.warmup),
      }));
      if (flags.json) {
        console.log(JSON.stringify({ mode: wf.mode, warmup: wf.warmup, splits: rows }, null, 2));
        return;
      }
      console.log(`${wf.splits.length} ${wf.mode} splits; every window also reads the ${wf.warmup} bars before it to warm up its indicators.`);
      console.log(table(Object.keys(rows[0]), rows.map((r) => Object.values(r))));
    });
}
