import { ensureRedis } from '../services/redis';
import { ensureTemporalCli } from '../services/temporalCli';

/** `npm run setup`: obtains the Temporal CLI and Redis now, so the first session does not wait for them. */
async function main(): Promise<void> {
  const log = (line: string) => console.error(line);
  const cli = await ensureTemporalCli(log);
  console.log(`Temporal CLI: ${cli.path} (${cli.version.split('\n')[0]}, via ${cli.via})`);
  const redis = await ensureRedis({ name: 'setup', log });
  console.log(`Redis: ${redis.url} is reachable`);
  await redis.release();
}

main().catch((err) => {
  console.error(`tuneflow setup: ${(err as Error).message}`);
  process.exit(2);
});
