import { Client } from '@temporalio/client';
import type { Command } from 'commander';
import { loadSessionSpec, type ConfigOverrides } from '../../config/load';
import type { Algorithm } from '../../search/types';
import type { SessionSpec, SessionSummary } from '../../types/session';
import { progressQuery } from '../../workflows';
import { connectClient, connectWorker } from '../../workers/connection';
import { createTuneflowWorker } from '../../workers/worker';
import { EXIT } from '../errors';
import { nonNegativeInt, oneOf, positiveInt } from '../options';
import { printSummary } from '../print';
import { watchInterrupts } from '../interrupts';
import { resolveServices, sessionUrl, type Services } from '../services';
import { startOrAttach, type SessionHandle } from '../sessionClient';

interface RunFlags {
  sessionId?: string;
  trials?: number;
  parallelism?: number;
  seed?: number;
  algorithm?: Algorithm;
  output?: string;
  json?: boolean;
  detach?: boolean;
  concurrency?: number;
}

const ALGORITHMS = ['grid', 'random', 'qmc', 'tpe', 'cmaes', 'genetic'] as const;

export function registerRunCommand(program: Command): void {
  program
    .command('run')
    .description('run a tuning session from a campaign YAML (starts or attaches to it)')
    .argument('<config>', 'campaign YAML file')
    .option('--session-id <id>', 'session id (= workflow id); running an existing id attaches to it')
    .option('--trials <n>', 'trial budget', positiveInt('--trials'))
    .option('--parallelism <n>', 'trials in flight at once', positiveInt('--parallelism'))
    .option('--seed <n>', 'seed of the search algorithm', nonNegativeInt('--seed'))
    .option('--algorithm <name>', `search algorithm (${ALGORITHMS.join(', ')})`, oneOf('--algorithm', ALGORITHMS))
    .option('--output <dir>', 'folder for outputs (default: output.dir of the config, else ./outputs)')
    .option('--concurrency <n>', 'trial activities at once on the in-process worker', positiveInt('--concurrency'))
    .option('--json', 'print the summary as JSON on stdout')
    .option('--detach', 'start the session, print its id and return')
    .action(async (config: string, flags: RunFlags) => {
      process.exitCode = await runSession(config, flags);
    });
}

/** Exit code of a command ended by SIGINT or SIGTERM. */
const INTERRUPTED = 130;
const STOPPED = Symbol('stopped');

/** A word of a shell command line, quoted when it needs to be. */
function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

async function runSession(configFile: string, flags: RunFlags): Promise<number> {
  const overrides: ConfigOverrides = {
    sessionId: flags.sessionId,
    trials: flags.trials,
    parallelism: flags.parallelism,
    seed: flags.seed,
    algorithm: flags.algorithm,
    outputDir: flags.output,
  };
  const spec = loadSessionSpec(configFile, overrides);
  const say = (line: string) => console.error(line);
  const resume = `tuneflow run ${shellWord(configFile)} --session-id ${shellWord(spec.sessionId)}`;
  let services: Services | null = null;
  let resumeShown = false;
  const showResume = () => {
    if (resumeShown) return;
    resumeShown = true;
    const where = services && !services.embedded ? 'keeps running on the fleet; attach again with' : 'is safe; continue it with';
    say(`${process.stderr.isTTY ? '\n' : ''}Interrupted. Session ${spec.sessionId} ${where}: ${resume}`);
  };
  const interrupts = watchInterrupts(() => {
    showResume();
    services?.releaseNow();
    process.exit(INTERRUPTED);
  });
  try {
    services = await resolveServices();
    // An in-process worker drains on the first signal (the SDK sees it too); anything else stops at once.
    let draining = false;
    const stopped = interrupts.first.then(() => (draining ? new Promise<never>(() => undefined) : STOPPED));
    const code = await Promise.race([followSession(spec, flags, services, () => (draining = true)), stopped]);
    if (code === STOPPED) {
      showResume();
      return INTERRUPTED;
    }
    return code;
  } catch (err) {
    if (interrupts.received) {
      showResume();
      return INTERRUPTED;
    }
    throw err;
  } finally {
    await services?.release();
    interrupts.dispose();
  }
}

/**
 * Starts or attaches to the session and follows it to its end: with the embedded server, on a worker in
 * this process; otherwise on the fleet. `onDraining` is called once the in-process worker runs.
 */
async function followSession(spec: SessionSpec, flags: RunFlags, services: Services, onDraining: () => void): Promise<number> {
  const say = (line: string) => console.error(line);
  const connection = await connectClient(services.target);
  const client = new Client({ connection, namespace: services.target.namespace });
  const outcome = await startOrAttach(client, spec);
  const url = sessionUrl(services.uiUrl, services.target.namespace, spec.sessionId);
  if (outcome.kind === 'ended') {
    say(`Session ${spec.sessionId} already ended as ${outcome.status}; start a new one with another --session-id.`);
    return EXIT.error;
  }
  say(
    outcome.kind === 'started'
      ? `Started session ${spec.sessionId} (${spec.search.trials} trials, ${spec.search.algorithm}, parallelism ${spec.search.parallelism}).`
      : outcome.kind === 'attached'
        ? `Session ${spec.sessionId} is already running: attaching to it (its original config applies).`
        : `Session ${spec.sessionId} has already finished.`,
  );
  if (url) say(`Web UI: ${url}`);
  if (flags.detach) {
    console.log(spec.sessionId);
    if (services.embedded) say('Note: with the embedded server, the session runs when `tuneflow run` or `tuneflow worker` runs again.');
    return EXIT.ok;
  }

  let summary: SessionSummary;
  if (services.embedded && outcome.kind !== 'finished') {
    const workerConnection = await connectWorker(services.target);
    const { worker, close } = await createTuneflowWorker({
      connection: workerConnection,
      namespace: services.target.namespace,
      taskQueue: spec.taskQueue,
      redisUrl: services.redisUrl,
      // The session's own worker takes every trial it keeps in flight; threads bound the CPU work.
      concurrency: flags.concurrency ?? spec.search.parallelism,
    });
    const watching = watchProgress(outcome.handle, !flags.json);
    try {
      onDraining();
      summary = await worker.runUntil(outcome.handle.result());
    } finally {
      watching.stop();
      await close();
      await workerConnection.close();
    }
  } else {
    const watching = watchProgress(outcome.handle, !flags.json);
    try {
      summary = await outcome.handle.result();
    } finally {
      watching.stop();
    }
  }
  if (flags.json) console.log(JSON.stringify(summary, null, 2));
  else printSummary(summary, spec.objective.metric);
  return summary.counts.failed > 0 ? EXIT.someFailed : EXIT.ok;
}

/** Prints the session's progress on stderr once a second (a single updating line on a terminal). */
function watchProgress(handle: SessionHandle, enabled: boolean): { stop(): void } {
  if (!enabled) return { stop: () => undefined };
  const tty = process.stderr.isTTY;
  let last = '';
  const timer = setInterval(() => {
    handle
      .query(progressQuery)
      .then((p) => {
        const done = p.counts.succeeded + p.counts.failed;
        const best = p.best ? ` best ${p.best.objective.toFixed(4)} (#${p.best.trialId})` : '';
        const line = `${done}/${p.budget} trials, ${p.running} running, ${p.counts.failed} failed${best}`;
        if (line === last) return;
        last = line;
        if (tty) process.stderr.write(`\r${line}\x1b[K`);
        else if (done % Math.max(1, Math.ceil(p.budget / 10)) === 0) process.stderr.write(`${line}\n`);
      })
      .catch(() => undefined);
  }, 1000);
  return {
    stop: () => {
      clearInterval(timer);
      if (tty && last) process.stderr.write('\n');
    },
  };
}
