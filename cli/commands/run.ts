import { Client, type Connection } from '@temporalio/client';
import type { Command } from 'commander';
import { loadSessionSpec } from '../../config/load';
import type { SessionSpec, SessionSummary, WarmStartNote } from '../../types/session';
import { connectClient, connectWorker } from '../../workers/connection';
import { createTuneflowWorker } from '../../workers/worker';
import { describeDryRun, dryRun } from '../dryRun';
import { EXIT, summaryExitCode } from '../errors';
import { positiveInt } from '../options';
import { printSummary } from '../print';
import { openRedis } from '../redisClient';
import { watchInterrupts } from '../interrupts';
import { resolveServices, sessionUrl, type Services } from '../services';
import { startOrAttach, type SessionHandle, type SessionStart } from '../sessionClient';
import { addSessionFlags, overridesOf, type SessionFlags } from '../sessionFlags';
import { linearDisplay, liveDisplay, type ProgressDisplay } from '../watch/displays';
import { fleetReader, trialSessionIds } from '../watch/fleet';
import { followProgress } from '../watch/follow';
import { finalSnapshot } from '../watch/snapshot';
import { checkWarmStart, warmStartClause } from '../warmStart';

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
  return superviseSession(spec.sessionId, resume, flags, async (client, services) => {
    let warmStart: WarmStartNote | undefined;
    // A new session's warm start is checked against the trial store before it starts, so bad input stops here.
    const outcome = await startOrAttach(client, spec, async () => {
      if (spec.warmStart) warmStart = await checkWarmStart(services.redisUrl, spec);
    });
    return { spec, outcome, warmStart };
  });
}

/**
 * Resolves the services, starts or attaches to a session with `begin`, and follows it to its end (see
 * followSession); on SIGINT/SIGTERM it prints `resume`, the command line that picks the session up again.
 */
export async function superviseSession(
  sessionId: string,
  resume: string,
  flags: FollowFlags,
  begin: (client: Client, services: Services) => Promise<SessionStart>,
): Promise<number> {
  const say = (line: string) => console.error(line);
  let services: Services | null = null;
  // On a terminal, the live view on stderr; off it, a line at every tenth of the budget; with --json, nothing.
  let display: ProgressDisplay | null = null;
  const openDisplay = flags.json
    ? null
    : async () => (display = process.stderr.isTTY ? await liveDisplay(process.stderr) : linearDisplay(process.stderr));
  let resumeShown = false;
  const showResume = () => {
    if (resumeShown) return;
    resumeShown = true;
    display?.close();
    const where = services && !services.embedded ? 'keeps running on the fleet; attach again with' : 'is safe; continue it with';
    say(`Interrupted. Session ${sessionId} ${where}: ${resume}`);
  };
  const interrupts = watchInterrupts(() => {
    showResume();
    services?.releaseNow();
    process.exit(EXIT.interrupted);
  });
  try {
    services = await resolveServices();
    // An in-process worker drains on the first signal (the SDK sees it too); anything else stops at once.
    let draining = false;
    const stopped = interrupts.first.then(() => (draining ? new Promise<never>(() => undefined) : STOPPED));
    const code = await Promise.race([followSession(begin, flags, services, openDisplay, () => (draining = true)), stopped]);
    if (code === STOPPED) {
      showResume();
      return EXIT.interrupted;
    }
    return code;
  } catch (err) {
    if (interrupts.received) {
      showResume();
      return EXIT.interrupted;
    }
    throw err;
  } finally {
    await services?.release();
    interrupts.dispose();
  }
}

/**
 * Starts or attaches to the session and follows it to its end: with the embedded server, on a worker in
 * this process; otherwise on the fleet. Its progress goes to the display `openDisplay` opens, if any.
 * `onDraining` is called once the in-process worker runs.
 */
async function followSession(
  begin: (client: Client, services: Services) => Promise<SessionStart>,
  flags: FollowFlags,
  services: Services,
  openDisplay: (() => Promise<ProgressDisplay>) | null,
  onDraining: () => void,
): Promise<number> {
  const say = (line: string) => console.error(line);
  const connection = await connectClient(services.target);
  const client = new Client({ connection, namespace: services.target.namespace });
  const { spec, outcome, headline, warmStart } = await begin(client, services);
  const url = sessionUrl(services.uiUrl, services.target.namespace, spec.sessionId);
  if (outcome.kind === 'ended') {
    say(`Session ${spec.sessionId} already ended as ${outcome.status}; start a new one with another --session-id.`);
    return EXIT.error;
  }
  say(
    headline ??
      (outcome.kind === 'started'
        ? `Started session ${spec.sessionId} (${spec.search.trials} trials, ${spec.search.algorithm}, parallelism ${spec.search.parallelism})${warmStart ? warmStartClause(warmStart) : ''}.`
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

  const watching = openDisplay ? await showProgress(outcome.handle, connection, spec, services, url, await openDisplay()) : null;
  let summary: SessionSummary;
  try {
    summary = services.embedded && outcome.kind !== 'finished' ? await runHere(spec, flags, services, outcome.handle, onDraining) : await outcome.handle.result();
  } catch (err) {
    watching?.stop();
    throw err;
  }
  await watching?.finish(summary);
  if (flags.json) console.log(JSON.stringify(summary, null, 2));
  else printSummary(summary, spec.objective.metric, spec.objectives);
  return summaryExitCode(summary);
}

/** Runs the session on a worker in this process until it ends. `onDraining` is called once the worker runs. */
async function runHere(spec: SessionSpec, flags: FollowFlags, services: Services, handle: SessionHandle, onDraining: () => void): Promise<SessionSummary> {
  const workerConnection = await connectWorker(services.target);
  const { worker, close } = await createTuneflowWorker({
    connection: workerConnection,
    namespace: services.target.namespace,
    taskQueue: spec.taskQueue,
    redisUrl: services.redisUrl,
    // The session's own worker takes every trial it keeps in flight; threads bound the CPU work.
    concurrency: flags.concurrency ?? spec.search.parallelism,
  });
  try {
    onDraining();
    return await worker.runUntil(handle.result());
  } finally {
    await close();
    await workerConnection.close();
  }
}

/**
 * Follows the session's progress on `display` (see followProgress), with the fleet from the trial store when
 * the display shows it. `finish` closes the display on the completed session's final state, `stop` on the
 * last state seen.
 */
async function showProgress(handle: SessionHandle, connection: Connection, spec: SessionSpec, services: Services, webUi: string | null, display: ProgressDisplay) {
  // The fleet is a nicety here: without the trial store the view goes on without it.
  const redis = display.showsFleet ? await openRedis(services.redisUrl).catch(() => null) : null;
  const readFleet = redis ? fleetReader(redis, trialSessionIds(spec.sessionId, spec)) : null;
  const follower = followProgress({ handle, connection, metric: spec.objective.metric, webUi, readFleet }, display.show);
  return {
    stop: () => {
      follower.stop();
      display.close();
      redis?.disconnect();
    },
    finish: async (summary: SessionSummary) => {
      follower.stop();
      const fleet = readFleet ? await readFleet().catch(() => follower.latest().fleet) : null;
      display.close(finalSnapshot({ ...follower.latest(), fleet }, summary, Date.now()));
      redis?.disconnect();
    },
  };
}
