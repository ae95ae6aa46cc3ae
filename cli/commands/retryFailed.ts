import type { Command } from 'commander';
import { positiveInt, sessionIdArgument } from '../options';
import { retryFailedTrials } from '../sessionClient';
import { superviseSession, type FollowFlags } from './run';

export function registerRetryFailedCommand(program: Command): void {
  program
    .command('retry-failed')
    .description('run the failed trials of a completed session again, as a new run of the same session; its counts and outputs are updated')
    .argument('<session>', 'session id', sessionIdArgument)
    .option('--concurrency <n>', 'trial activities at once on the in-process worker', positiveInt('--concurrency'))
    .option('--json', 'print the summary as JSON on stdout')
    .option('--detach', 'start the run, print the session id and return')
    .action(async (sessionId: string, flags: FollowFlags) => {
      process.exitCode = await superviseSession(sessionId, `tuneflow retry-failed ${sessionId}`, flags, (client) => retryFailedTrials(client, sessionId));
    });
}
