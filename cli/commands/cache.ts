import type { Command } from 'commander';
import { cacheKeys, ResultCache } from '../../store/redis/resultCache';
import { redactUrl } from '../../store/redis/url';
import { withTrialStore } from '../storeAccess';

export function registerCacheCommands(program: Command): void {
  const cache = program.command('cache').description('the result cache that sessions with `cache:` share (see README, "The result cache")');

  cache
    .command('show')
    .description('how many backtest results the cache holds, and the memory they take in Redis')
    .option('--json', 'print JSON')
    .action(async (flags: { json?: boolean }) => {
      await withTrialStore(async ({ redis, url }) => {
        const entries = await new ResultCache(redis).size();
        const bytes = entries === 0 ? 0 : ((await redis.memory('USAGE', cacheKeys.metrics)) ?? 0) + ((await redis.memory('USAGE', cacheKeys.used)) ?? 0);
        if (flags.json) console.log(JSON.stringify({ entries, bytes }));
        else console.log(`Result cache at ${redactUrl(url)}: ${entries} entries, ${(bytes / 1024).toFixed(1)} KiB in Redis.`);
      });
    });

  cache
    .command('clear')
    .description('remove every result from the cache (sessions and their trials stay)')
    .action(async () => {
      await withTrialStore(async ({ redis, url }) => {
        const removed = await new ResultCache(redis).clear();
        console.log(`Cleared the result cache at ${redactUrl(url)}: ${removed} entries removed.`);
      });
    });
}
