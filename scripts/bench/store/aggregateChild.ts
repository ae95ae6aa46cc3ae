import { aggregateInThread } from '../../../activities/aggregationThread';
import type { SessionSpec } from '../../../types/session';

/**
 * Aggregates one stored session in a process of its own, in the bounded-heap thread a worker uses, so the
 * process's peak RSS is the aggregation's alone; prints
 * `{ seconds, maxRssMb }` as JSON. Arguments: Redis URL, path of a JSON SessionSpec.
 */
async function main(): Promise<void> {
  const [url, specFile] = process.argv.slice(2);
  const spec = JSON.parse(await import('node:fs').then((fs) => fs.readFileSync(specFile, 'utf8'))) as SessionSpec;
  const started = performance.now();
  await aggregateInThread({
    redisUrl: url,
    input: { spec, leaderboard: [], counts: { succeeded: 0, failed: 0 }, runs: 1, stoppedBy: 'complete', startedAt: Date.now() },
    versions: {},
    statistics: { workers: {}, times: null },
  });
  console.log(JSON.stringify({ seconds: (performance.now() - started) / 1000, maxRssMb: process.resourceUsage().maxRSS / 1024 }));
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
