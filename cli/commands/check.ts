import type { Command } from 'commander';
import { loadSessionSpec } from '../../config/load';
import { objectiveText } from '../../config/metrics';
import { describePruning } from '../../pruning/rules';
import { strategyLabel } from '../sessionClient';
import { addSessionFlags, overridesOf, type SessionFlags } from '../sessionFlags';

/**
 * `tuneflow check`: every check `tuneflow run` makes before it starts anything (YAML, data, strategy and
 * parameters, constraints, limits, output folder), and nothing else: no server, no file written.
 */
export function registerCheckCommand(program: Command): void {
  addSessionFlags(
    program
      .command('check')
      .description('validate a campaign as `tuneflow run` would, without starting anything')
      .argument('<config>', 'campaign YAML file'),
  )
    .option('--json', 'print the resolved session as JSON')
    .action((configFile: string, flags: SessionFlags & { json?: boolean }) => {
      const spec = loadSessionSpec(configFile, overridesOf(flags));
      if (flags.json) {
        console.log(JSON.stringify(spec, null, 2));
        return;
      }
      const { search } = spec;
      console.log(
        `${configFile}: ok. Session ${spec.sessionId}: ${strategyLabel(spec)}, ${search.algorithm} over ${Object.keys(search.space).join(', ')}, ` +
          `${search.trials} trials, parallelism ${search.parallelism}, seed ${search.seed}, ${objectiveText(spec)}` +
          `${spec.walkForward ? `, ${spec.walkForward.splits.length} walk-forward splits` : ''}${spec.pruning ? `, pruning ${describePruning(spec.pruning)}` : ''}; outputs in ${spec.output.dir}.` +

          (spec.warmStart ? ` Warm start from session ${spec.warmStart.sessionId}: its trials are checked against this config when the session starts (or by \`run --dry-run\`).` : ''),
      );
    });
}
