import { spawn } from 'node:child_process';
import path from 'node:path';
import { startTemporalServer } from '../services/devStack';
import { PROJECT_ROOT } from '../services/paths';
import { stopProcess } from '../services/processes';
import { acquireLocalRedis } from '../services/redis';
import { startRedisCluster, type LocalRedisCluster } from '../services/redisCluster';
import { ensureTemporalCli } from '../services/temporalCli';

/**
 * `npm test`: starts a real Temporal dev server (in memory), a real Redis (fresh data folder) and a local
 * three-master Redis Cluster, runs every test file under dist/test with node's test runner against them, then
 * stops them all. Without redis-cli or cluster mode the cluster's tests are skipped, saying why.
 * Extra arguments narrow the run, e.g. `npm test -- dist/test/search`.
 */
async function main(): Promise<number> {
  const log = (line: string) => console.error(`[test set-up] ${line}`);
  const cli = await ensureTemporalCli(log);
  const redis = process.env.REDIS_URL ? null : await acquireLocalRedis({ name: 'test', log, fresh: true });
  const server = await startTemporalServer({ cliPath: cli.path, name: 'test', persist: false, headless: true });
  let cluster: LocalRedisCluster | null = null;
  let clusterUnavailable = '';
  try {
    cluster = await startRedisCluster({ log });
  } catch (err) {
    clusterUnavailable = (err as Error).message;
  }
  log(`Temporal ${cli.version} (${cli.via}) at ${server.address}; Redis at ${redis?.url ?? process.env.REDIS_URL}; Redis Cluster ${cluster ? `at ${cluster.url}` : `unavailable: ${clusterUnavailable}`}`);
  const targets = process.argv.slice(2);
  try {
    return await new Promise<number>((resolve) => {
      const child = spawn(process.execPath, ['--test', '--test-concurrency=2', ...(targets.length ? targets : [path.join(PROJECT_ROOT, 'dist', 'test')])], {
        stdio: 'inherit',
        env: {
          ...process.env,
          TEMPORAL_CLI_PATH: cli.path,
          TUNEFLOW_TEST_TEMPORAL_ADDRESS: server.address,
          TUNEFLOW_TEST_REDIS_URL: redis?.url ?? process.env.REDIS_URL,
          ...(cluster ? { TUNEFLOW_TEST_REDIS_CLUSTER_URL: cluster.url } : { TUNEFLOW_TEST_REDIS_CLUSTER_UNAVAILABLE: clusterUnavailable }),
        },
      });
      // Ctrl-C or a kill ends the tests, not this process, so that the servers are stopped below.
      for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
      child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
    });
  } finally {
    await stopProcess(server.child, 10_000);
    await redis?.release();
    await cluster?.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`tests could not start: ${(err as Error).message}`);
    process.exit(2);
  },
);
