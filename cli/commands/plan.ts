import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { LineFile } from '../../files/atomic';
import { evaluatorBars } from '../../config/data';
import { loadSessionSpec } from '../../config/load';
import { plannedHoldout, plannedSplits, plannedTrials, trialPlanProblem } from '../../config/jobPlan';
import type { AlgorithmName } from '../../search/types';
import { InputError } from '../../errors';
import type { SessionSpec, WalkForwardSpec } from '../../types/session';
import { INTERRUPTED } from '../errors';
import { watchInterrupts } from '../interrupts';
import { nonNegativeInt, oneOf, positiveInt } from '../options';
import { table } from '../print';
import { ALGORITHMS } from '../sessionFlags';

interface PlanFlags {
  json?: boolean;
  jobs?: string;
  trials?: number;
  seed?: number;
  algorithm?: AlgorithmName;
}

/** Lines written between two looks at the signals, so Ctrl-C stops a long plan within moments. */
const LINES_PER_TURN = 10_000;

export function registerPlanCommand(program: Command): void {
  program
    .command('plan')
    .description("print a config's walk-forward split plan, or write its job plan with --jobs (no server needed)")
    .argument('<config>', 'campaign YAML file')
    .option('--jobs <file>', 'write the job plan as JSON lines: one trial per line (grid, random, qmc), or one split per line (walk-forward)')
    .option('--trials <n>', 'trial budget, as `run --trials`', positiveInt('--trials'))
    .option('--seed <n>', 'seed of the search algorithm, as `run --seed`', nonNegativeInt('--seed'))
    .option('--algorithm <name>', `search algorithm, as \`run --algorithm\` (${ALGORITHMS.join(', ')})`, oneOf('--algorithm', ALGORITHMS))
    .option('--json', 'print JSON')
    .action(async (configFile: string, flags: PlanFlags) => {
      const spec = loadSessionSpec(configFile, { sessionId: 'plan', trials: flags.trials, seed: flags.seed, algorithm: flags.algorithm });
      if (flags.jobs !== undefined) {
        process.exitCode = await writeJobPlan(configFile, spec, flags.jobs, flags.json === true);
        return;
      }
      const wf = spec.walkForward;
      if (!wf) throw new InputError(`${configFile}: has no \`walk_forward\` section to plan; \`--jobs FILE\` writes the list of its trials.`);
      printSplits(spec, wf, flags.json === true);
    });
}

function printSplits(spec: SessionSpec, wf: WalkForwardSpec, json: boolean): void {
  const time = evaluatorBars(spec.evaluator).time;
  const holdout = plannedHoldout(wf, time);
  const rows = plannedSplits({ ...spec, walkForward: wf }, time).map((s) => ({
    split: s.split,
    train_from: s.train.from,
    train_to: s.train.to,
    train_bars: s.train.bars,
    test_from: s.test.from,
    test_to: s.test.to,
    test_bars: s.test.bars,
    warmup_from: s.warmup_from,
  }));
  if (json) {
    console.log(JSON.stringify({ mode: wf.mode, warmup: wf.warmup, splits: rows, holdout }, null, 2));
    return;
  }
  console.log(`${wf.splits.length} ${wf.mode} splits; every window also reads the ${wf.warmup} bars before it to warm up its indicators.`);
  console.log(table(Object.keys(rows[0]), rows.map((r) => Object.values(r))));
  if (holdout) {
    console.log(
      `Holdout: bars ${holdout.start}-${holdout.end - 1} (${holdout.from} to ${holdout.to}, ${holdout.bars} bars), which no split trains or tests on; ` +
        'the recommended parameter set is backtested on them once, after every split has finished.',
    );
  }
}

/**
 * The `--jobs` file: refused before anything is written when the plan cannot be known or the path is wrong,
 * then written through a temp file renamed at the end, so an error or Ctrl-C leaves no partial plan.
 */
async function writeJobPlan(configFile: string, spec: SessionSpec, file: string, json: boolean): Promise<number> {
  const target = path.resolve(file);
  checkJobsTarget(target, spec);
  const wf = spec.walkForward;
  if (!wf && spec.warmStart) {
    throw new InputError(
      `${configFile}: --jobs cannot list the trials of a warm-started search: they leave out the points session ${spec.warmStart.sessionId} ` +
        'evaluated, which only the trial store knows. Remove `search.warm_start` to plan the search from a cold start.',
    );
  }
  if (!wf) {
    const problem = trialPlanProblem(spec.search.algorithm);
    if (problem) {
      throw new InputError(
        `${configFile}: --jobs cannot list the trials of this search: ${problem}. ` +
          'Plan it as a random search with `--algorithm random`, or see its cost with `tuneflow estimate`.',
      );
    }
  }
  const lines: Iterable<object> = wf ? plannedSplits({ ...spec, walkForward: wf }, evaluatorBars(spec.evaluator).time) : plannedTrials(spec);
  const interrupts = watchInterrupts(() => process.exit(INTERRUPTED));
  let out: LineFile;
  try {
    out = new LineFile(target);
  } catch (err) {
    interrupts.dispose();
    throw new InputError(`--jobs: cannot write ${target} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); choose a file in a folder you can write to.`);
  }
  let written = 0;
  try {
    for (const line of lines) {
      out.line(JSON.stringify(line));
      written += 1;
      if (written % LINES_PER_TURN === 0) {
        // Lets a signal in; the plan is never half written, so it is dropped whole.
        await new Promise((resolve) => setImmediate(resolve));
        if (interrupts.received) {
          out.discard();
          console.error(`Interrupted after ${written} lines: ${target} was not written.`);
          return INTERRUPTED;
        }
      }
    }
    out.commit();
  } catch (err) {
    out.discard();
    throw err;
  } finally {
    interrupts.dispose();
  }
  const kind = wf ? 'splits' : 'trials';
  if (json) {
    console.log(JSON.stringify({ file: target, kind, lines: written, algorithm: spec.search.algorithm, seed: spec.search.seed }));
  } else if (wf) {
    console.log(`Wrote ${written} walk-forward splits to ${target} (each tunes ${spec.search.trials} ${spec.search.algorithm} trials on its training window).`);
  } else {
    const ended = written < spec.search.trials ? `the whole space of ${written} points, fewer than the budget of ${spec.search.trials}` : `the budget of ${spec.search.trials}`;
    console.log(`Wrote ${written} trials to ${target}: ${spec.search.algorithm}, seed ${spec.search.seed}, ${ended}, in the order the session proposes them.`);
  }
  return 0;
}

/** The plan must go to a file of its own: not a folder, and not the config or data it is planned from. */
function checkJobsTarget(target: string, spec: SessionSpec): void {
  const stat = fs.statSync(target, { throwIfNoEntry: false });
  if (stat && !stat.isFile()) throw new InputError(`--jobs: ${target} is not a regular file; give the path of a file to write the plan to.`);
  for (const [what, input] of [['config', spec.configPath], ['data file', spec.evaluator.dataPath]] as const) {
    if (path.resolve(input) === target) throw new InputError(`--jobs: ${target} is the campaign's ${what}; write the plan to another file.`);
  }
}
