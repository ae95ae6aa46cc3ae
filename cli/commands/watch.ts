import { Client, WorkflowFailedError, WorkflowNotFoundError } from '@temporalio/client';
import type { Command } from 'commander';
import { RedisTrialStore } from '../../store/redis/trialStore';
import { InputError } from '../../errors';
import type { SessionSpec } from '../../types/session';
import type { tuningSession } from '../../workflows';
import { connectClient } from '../../workers/connection';
import { EXIT, sessionFailure, summaryExitCode } from '../errors';
import { sessionIdArgument } from '../options';
import { resolveTemporal, sessionUrl } from '../services';
import { withTrialStore } from '../storeAccess';
import { jsonLinesDisplay, liveDisplay, type ProgressDisplay } from '../watch/displays';
import { fleetReader, trialSessionIds } from '../watch/fleet';
import { followProgress, type Follower } from '../watch/follow';
import { endRecord } from '../watch/records';
import { finalSnapshot } from '../watch/snapshot';

export function registerWatchCommand(program: Command): void {
  program
    .command('watch')
    .description('follow a session until it ends: progress, trials/s and ETA, best so far, top 5, failures and the fleet')
    .argument('<session>', 'session id', sessionIdArgument)
    .option('--json', 'print JSON lines of progress instead of the live view (also when stdout is not a terminal)')
    .action(async (sessionId: string, flags: { json?: boolean }) => {
      process.exitCode = await watchSession(sessionId, Boolean(flags.json) || !process.stdout.isTTY);
    });
}

/**
 * Follows the session until it closes, then shows its final state; the exit code is `run`'s for the same
 * ending. Interrupted, it stops watching and leaves the session alone.
 */
async function watchSession(sessionId: string, jsonLines: boolean): Promise<number> {
  const temporal = await resolveTemporal();
  try {
    const connection = await connectClient(temporal.target);
    const client = new Client({ connection, namespace: temporal.target.namespace });
    const handle = client.workflow.getHandle<typeof tuningSession>(sessionId);
    try {
      await handle.describe();
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new InputError(`No session "${sessionId}" on ${temporal.target.address}.`);
      throw err;
    }
    let display: ProgressDisplay | null = null;
    let follower: Follower | null = null;
    const stopWatching = () => {
      follower?.stop();
      display?.close();
      console.error(`Stopped watching; session ${sessionId} keeps running (\`tuneflow watch ${sessionId}\` watches it again).`);
    };
    return await withTrialStore(async ({ redis }) => {
      const spec = ((await new RedisTrialStore(redis).getMeta(sessionId))?.spec ?? null) as SessionSpec | null;
      const readFleet = fleetReader(redis, trialSessionIds(sessionId, spec));
      display = jsonLines ? jsonLinesDisplay(process.stdout) : await liveDisplay(process.stdout);
      const webUi = sessionUrl(temporal.uiUrl, temporal.target.namespace, sessionId);
      follower = followProgress({ handle, connection, metric: spec?.objective.metric ?? 'objective', webUi, readFleet: display.showsFleet ? readFleet : null }, display.show);
      const ending = await handle.result().then(
        (summary) => ({ summary }),
        (error: unknown) => ({ error }),
      );
      follower.stop();
      // The fleet is read once more, so the last view counts every trial.
      const latest = follower.latest();
      const last = display.showsFleet ? { ...latest, fleet: await readFleet().catch(() => latest.fleet) } : latest;
      if ('summary' in ending) {
        const final = finalSnapshot(last, ending.summary, Date.now());
        const code = summaryExitCode(ending.summary);
        display.close(final);
        if (jsonLines) console.log(JSON.stringify(endRecord(final, code, ending, Date.now())));
        return code;
      }
      const status = (await handle.describe().catch(() => null))?.status.name ?? 'FAILED';
      const final = { ...last, status, waitingOn: null, throughput: { perSecond: null, etaMs: null } };
      display.close(final);
      const error = ending.error instanceof WorkflowFailedError ? sessionFailure(ending.error) : String(ending.error);
      if (jsonLines) console.log(JSON.stringify(endRecord(final, EXIT.error, { error }, Date.now())));
      throw ending.error;
    }, stopWatching);
  } finally {
    await temporal.release();
  }
}
