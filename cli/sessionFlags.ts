import type { Command } from 'commander';
import type { ConfigOverrides } from '../config/load';
import type { AlgorithmName } from '../search/types';
import { nonNegativeInt, oneOf, positiveInt } from './options';

/** The flags that override a campaign's YAML, shared by `run` and `check` so both accept the same values. */
export interface SessionFlags {
  sessionId?: string;
  trials?: number;
  parallelism?: number;
  seed?: number;
  algorithm?: AlgorithmName;
  output?: string;
}

export const ALGORITHMS = ['grid', 'random', 'qmc', 'tpe', 'cmaes', 'genetic', 'gp'] as const;

export function addSessionFlags(command: Command): Command {
  return command
    .option('--session-id <id>', 'session id (= workflow id); running an existing id attaches to it')
    .option('--trials <n>', 'trial budget', positiveInt('--trials'))
    .option('--parallelism <n>', 'trials in flight at once', positiveInt('--parallelism'))
    .option('--seed <n>', 'seed of the search algorithm', nonNegativeInt('--seed'))
    .option('--algorithm <name>', `search algorithm (${ALGORITHMS.join(', ')})`, oneOf('--algorithm', ALGORITHMS))
    .option('--output <dir>', 'folder for outputs (default: output.dir of the config, else ./outputs)');
}

export function overridesOf(flags: SessionFlags): ConfigOverrides {
  return {
    sessionId: flags.sessionId,
    trials: flags.trials,
    parallelism: flags.parallelism,
    seed: flags.seed,
    algorithm: flags.algorithm,
    outputDir: flags.output,
  };
}
