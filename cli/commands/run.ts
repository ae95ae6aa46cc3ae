import { Client } from '@temporalio/client';
import type { Command } from 'commander';
import { loadSessionSpec } from '../../config/load';
import type { SessionSummary } from '../../types/session';
import { progressQuery } from '../../workflows';
import { connectClient, connectWorker } from '../../workers/connection';
import { createTuneflowWorker } from '../../workers/worker';
import { describeDryRun, dryRun } from '../dryRun';
import { EXIT, INTERRUPTED } from '../errors';
import { positiveInt } from '../options';
import { printSummary } from '../print';
import { stalledOn } from '../retries';
import { watchInterrupts } from '../interrupts';
import { resolveServices, sessionUrl, type Services } from '../services';
import { startOrAttach, type SessionHandle, type SessionStart } from '../sessionClient';
import { addSessionFlags, overridesOf, type SessionFlags } from '../sessionFlags';

/** The flags of every command that follows a session to its end. */
export interface FollowFlags {
  json?: boolean;
  detach?: boolean;
  dryRun?: boolean;
  concurrency?: number;
}

interface RunFlags extends SessionFlags, FollowFlags {}

export function registerRunCommand(program: Command): void {
  addSessionFlags(
    program
      .command('run')
      .description('run a tuning session from a campaign YAML (starts or attaches to it)')
      .argument('<config>', 'campaign YAML file'),
  )
    .option('--concurrency <n>', 'trial activities at once on the in-process worker', positiveInt('--concurrency'))
    .option('--json', 'print the summary as JSON on stdout')
    .option('--detach', 'start the session, print its id and return')
    .option('--dry-run', 'make every check and print what would run, starting nothing and writing nothing')
    .action(async (config: string, flags: RunFlags) => {
      if (flags.dryRun) {
        const report = await dryRun(config, overridesOf(flags));
        console.log(flags.json ? JSON.stringify(report, null, 2) : describeDryRun(report, { detach: flags.detach === true, concurrency: flags.concurrency }).join('\n'));
        return;
      }
      process.exitCode = await runSession(config, flags);
    });
}

const STOPPED = Symbol('stopped');

/** A word of a shell command line, quoted when it needs to be. */
function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

async function runSession(configFile: string, flags: RunFlags): Promise<number> {
  const spec = loadSessionSpec(configFile, overridesOf(flags));
  const resume = `tuneflow run ${shellWord(configFile)} --session-id ${shellWord(spec.sessionId)}`;
  return superviseSession(spec.sessionId, resume, flags, async (client) => ({ spec, outcome: await startOrAttach(client, spec) }));
}

/**
 * Resolves the services, starts or attaches to a session with `begin`, and follows it to its end (see
 * followSession); on SIGINT/SIGTERM it prints `resume`, the command line that picks the session up again.
 */
export async function superviseSession(sessionId: string, resume: string, flags: FollowFlags, begin: (client: Client) => Promise<SessionStart>): Promise<number> {
  const say = (line: string) => console.error(line);
  let services: Services | null = null;
  let resumeShown = false;
  const showResume = () => {
    if (resumeShown) return;
    resumeShown = true;
    const where = services && !services.embedded ? 'keeps running on the fleet; attach again with' : 'is safe; continue it with';
    say(`${process.stderr.isTTY ? '\n' : ''}Interrupted. Session ${sessionId} ${where}: ${resume}`);
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
    const code = await Promise.race([followSession(begin, flags, services, () => (draining = true)), stopped]);
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
async function followSession(begin: (client: Client) => Promise<SessionStart>, flags: FollowFlags, services: Services, onDraining: () => void): Promise<number> {
  const say = (line: string) => console.error(line);
  const connection = await connectClient(services.target);
  const client = new Client({ connection, namespace: services.target.namespace });
  const { spec, outcome, headline } = await begin(client);
  const url = sessionUrl(services.uiUrl, services.target.namespace, spec.sessionId);
  if (outcome.kind === 'ended') {
    say(`Session ${spec.sessionId} already ended as ${outcome.status}; start a new one with another --session-id.`);
    return EXIT.error;
  }
  say(
    headline ??
      (outcome.kind === 'started'
        ? `Started session ${spec.sessionId} (${spec.search.trials} trials, ${spec.search.algorithm}, parallelism ${spec.search.parallelism}).`
        : outcome.kind === 'attached'
          ? `Session ${spec.sessionId} is already running: attaching to it (its original config applies).`
          : `Session ${spec.sessionId} has already finished.`),
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
  else printSummary(summary, spec.objective.metric, spec.objectives);
  // A session without a single ranked trial has no result, however many trials ran without error.
  return summary.counts.failed > 0 || !summary.best ? EXIT.someFailed : EXIT.ok;
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
  // An outage is retried without limit; say what the session waits on, so a long wait is never silent.
  let lastStall: string | null = null;
  const stalls = setInterval(() => {
    stalledOn(handle)
      .then((stall) => {
        if (stall === null || stall === lastStall) return;
        lastStall = stall;
        process.stderr.write(`${tty && last ? '\n' : ''}Waiting on retries: ${stall}\n`);
      })
      .catch(() => undefined);
  }, STALL_CHECK_MS);
  return {
    stop: () => {
      clearInterval(timer);
      clearInterval(stalls);
      if (tty && last) process.stderr.write('\n');
    },
  };
}

/** How often `run` asks the server whether the session is stuck on retried activities. */
const STALL_CHECK_MS = 10_000;
