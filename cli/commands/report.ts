import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { positiveInt, sessionIdArgument } from '../options';
import { writeFileAtomic } from '../../files/atomic';
import { regenerateOutputs } from '../regenerate';

export function registerReportCommands(program: Command): void {
  program
    .command('report')
    .description("regenerate a session's report.html from the trial store (also while it runs)")
    .argument('<session>', 'session id', sessionIdArgument)
    .option('--out <file>', 'where to write the report (default: outputs/<session>/report.html)')
    .action(async (sessionId: string, flags: { out?: string }) => {
      const { dir, sessionOutputDir } = await regenerateOutputs(sessionId);
      const target = path.resolve(flags.out ?? path.join(sessionOutputDir, 'report.html'));
      try {
        writeFileAtomic(target, fs.readFileSync(path.join(dir, 'report.html')));
      } finally {
        fs.rmSync(path.dirname(dir), { recursive: true, force: true });
      }
      console.log(target);
    });

  program
    .command('summary')
    .description("a session's summary (best trial, weighted ranking, importance, sensitivity, walk-forward)")
    .argument('<session>', 'session id', sessionIdArgument)
    .option('--metric <name>', 'rank by this metric instead of the configured weights')
    .option('--top-n <n>', 'rows of the ranking table', positiveInt('--top-n'))
    .option('--csv', 'print rankings.csv instead')
    .action(async (sessionId: string, flags: { csv?: boolean; metric?: string; topN?: number }) => {
      const { dir } = await regenerateOutputs(sessionId, { metric: flags.metric, topN: flags.topN });
      try {
        process.stdout.write(fs.readFileSync(path.join(dir, flags.csv ? 'rankings.csv' : 'summary.md'), 'utf8'));
      } finally {
        fs.rmSync(path.dirname(dir), { recursive: true, force: true });
      }
    });
}
