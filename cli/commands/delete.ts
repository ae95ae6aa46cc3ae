import type { Command } from 'commander';
import type { RedisClient } from '../../store/redis/client';
import { keys, RedisTrialStore } from '../../store/redis/trialStore';
import { InputError } from '../../errors';
import { sessionIdArgument } from '../options';
import { withTrialStore } from '../storeAccess';

/** Walk-forward split sessions of `sessionId` (`<id>/split-<k>`) that the store lists. */
async function splitSessions(redis: RedisClient, sessionId: string): Promise<string[]> {
  const found = new Set<string>();
  let cursor = '0';
  do {
    // Session ids hold only letters, digits, `.`, `-` and `_`: nothing a MATCH pattern would read as a wildcard.
    const [next, entries] = await redis.zscan(keys.sessions, cursor, 'MATCH', `${sessionId}/split-*`, 'COUNT', 1000);
    for (let i = 0; i < entries.length; i += 2) found.add(entries[i]);
    cursor = next;
  } while (cursor !== '0');
  return [...found].sort();
}

export function registerDeleteCommand(program: Command): void {
  program
    .command('delete')
    .description("remove a session from the trial store: every trial record, its metadata and its walk-forward splits' (output files stay)")
    .argument('<session>', 'session id', sessionIdArgument)
    .option('--force', 'also delete a session that is still running (its workers would write into an empty session)')
    .action(async (sessionId: string, flags: { force?: boolean }) => {
      await withTrialStore(async ({ redis, url }) => {
        const store = new RedisTrialStore(redis);
        const meta = await store.getMeta(sessionId);
        const splits = await splitSessions(redis, sessionId);
        if (!meta && splits.length === 0 && (await store.countTrials(sessionId)) === 0) {
          throw new InputError(`No session "${sessionId}" in the trial store at ${url}; nothing deleted.`);
        }
        if (meta && meta.finishedAt === undefined && meta.status === undefined && !flags.force) {
          throw new InputError(
            `Session "${sessionId}" is still running (the trial store has no end for it); nothing deleted. ` +
              `Cancel it first (tuneflow cancel ${sessionId}), or pass --force to delete it anyway.`,
          );
        }
        for (const id of [sessionId, ...splits]) {
          const removed = await store.deleteSession(id);
          console.log(`Deleted session ${id}: ${removed.trials} trials, ${removed.keys} keys.`);
        }
      });
    });
}
