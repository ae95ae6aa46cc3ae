import os from 'node:os';
import type { Command } from 'commander';
import { loadSessionSpec } from '../../config/load';
import type { SessionSpec } from '../../types/session';
import { INTERRUPTED } from '../errors';
import { watchInterrupts } from '../interrupts';
import { positiveInt } from '../options';
import { runPilot, type PilotResult } from '../pilot';
import { formatDuration, orchestrationCost, OUTPUTS_COST, predictWallTime, THREAD_COUNTS, type WallTimeInput } from '../wallTime';
import { table } from '../print';
import { strategyLabel } from '../sessionClient';

interface EstimateFlags {
  pilot: number;
  trials?: number;
  parallelism?: number;
  json?: boolean;
}

const DEFAULT_PILOT = 20;

export function registerEstimateCommand(program: Command): void {
  program
    .command('estimate')
    .description('time a few pilot trials here and predict the wall time of the whole budget on 1 to 16 threads (no server needed)')
    .argument('<config>', 'campaign YAML file')
    .option('--pilot <n>', `pilot trials to time (default ${DEFAULT_PILOT})`, positiveInt('--pilot'), DEFAULT_PILOT)
    .option('--trials <n>', 'trial budget, as `run --trials`', positiveInt('--trials'))
    .option('--parallelism <n>', 'trials in flight, as `run --parallelism`', positiveInt('--parallelism'))
    .option('--json', 'print JSON')
    .action(async (configFile: string, flags: EstimateFlags) => {
      const spec = loadSessionSpec(configFile, { sessionId: 'estimate', trials: flags.trials, parallelism: flags.parallelism });
      // Backtests run synchronously here; a command's runs can be stopped between and during runs.
      const stop = new AbortController();
      const interrupts = spec.evaluator.kind === 'command' ? watchInterrupts(() => process.exit(INTERRUPTED)) : null;
      void interrupts?.first.then(() => stop.abort(new Error('interrupted')));
      let pilot: PilotResult;
      try {
        pilot = await runPilot(spec, flags.pilot, stop.signal);
      } catch (err) {
        if (interrupts?.received) {
          console.error('Interrupted: no estimate.');
          process.exitCode = INTERRUPTED;
          return;
        }
        throw err;
      } finally {
        interrupts?.dispose();
      }
      printEstimate(spec, pilot, flags.json === true);
    });
}

function printEstimate(spec: SessionSpec, pilot: PilotResult, json: boolean): void {
  const wf = spec.walkForward;
  const input: WallTimeInput = {
    trials: spec.search.trials * (wf?.splits.length ?? 1),
    trialMs: pilot.trialMs,
    inFlight: (spec.search.parallelism ?? 1) * (wf?.concurrency ?? 1),
    batched: (spec.trial.batch ?? 1) !== 1,
  };
  const predictions = THREAD_COUNTS.map((threads) => predictWallTime(input, threads));
  const orchestration = orchestrationCost(input.batched, input.inFlight);
  const cores = os.availableParallelism();
  if (json) {
    console.log(JSON.stringify({ pilot, budget: input.trials, inFlight: input.inFlight, batched: input.batched, orchestration, outputs: OUTPUTS_COST, cores, predictions }, null, 2));
    return;
  }
  const ran = { batch: 'as one batch on shared indicators', 'one by one': 'one by one', command: 'one run of the command each' }[pilot.how];
  console.log(
    `Pilot: ${pilot.trials} trials of ${strategyLabel(spec)}${wf ? ' on the first walk-forward training window' : ''}, parameter sets spread over the search space, ` +
      `${ran}: ${formatMs(pilot.trialMs)} a trial` +
      (pilot.warmupMs === null ? '' : ` (median of ${pilot.passes} timed passes, after ${formatMs(pilot.warmupMs)} of warming up)`) +
      (pilot.failed > 0 ? `; ${pilot.failed} failed, the first: ${pilot.firstError}` : '') +
      '.',
  );
  console.log(
    `Budget: ${count(input.trials)} trials${wf ? ` (${count(spec.search.trials)} in each of ${wf.splits.length} splits)` : ''}, ${count(input.inFlight)} in flight, ` +
      `${input.batched ? `batches ${spec.trial.batch}` : 'one activity per trial'}. ` +
      `Temporal and Redis add ${formatMs(orchestration.msPerTrial)} a trial (${orchestration.source}), writing the outputs ${formatMs(OUTPUTS_COST.msPerTrial)} (${OUTPUTS_COST.source}).`,
  );
  console.log(
    table(
      ['threads', 'evaluation', 'temporal+redis+outputs', 'predicted wall time'],
      predictions.map((p) => [
        p.busyThreads < p.threads ? `${p.threads} (${p.busyThreads} busy)` : String(p.threads),
        formatDuration(p.evaluationSeconds),
        formatDuration(p.stackSeconds),
        formatDuration(p.seconds),
      ]),
    ),
  );
  console.log(
    `This machine has ${cores} core${cores === 1 ? '' : 's'}. The model: one free core per thread (on this machine or across a fleet), trials spread evenly ` +
      'over the threads that have one to run (no more than the trials in flight), and a stack cost per trial that more threads do not shrink, ' +
      'measured on 2 shared cores (BENCHMARKS.md). Left out: a few seconds to start the worker and the session, retries, and trials slower than the pilot\'s.',
  );
}

function count(n: number): string {
  return n.toLocaleString('en-US');
}

function formatMs(ms: number): string {
  if (ms >= 1000) return formatDuration(ms / 1000);
  return ms >= 1 ? `${ms.toFixed(ms >= 10 ? 0 : 1)} ms` : `${(ms * 1000).toFixed(0)} µs`;
}
