import { DEV_NAMESPACE, devTemporalDb, ensureDevStack, joinDevTemporal, peekDevTemporal } from '../services/devStack';
import { toolsDir, tuneflowHome } from '../services/paths';
import { acquireLocalRedis, canInstallRedisServer, externalRedis, localRedisFolder, locateRedisServer, NO_REDIS, peekLocalRedis, type RedisService } from '../services/redis';
import { locateTemporalCli } from '../services/temporalCli';
import { InputError } from '../errors';
import { targetFromEnv, type TemporalTarget } from '../workers/connection';
import { checkRedis } from './redisClient';

/** The name of the local stack: `<tuneflow home>/temporal/dev.db` and `<tuneflow home>/redis/dev`. */
const STACK = 'dev';

const log = (line: string) => console.error(line);

/** What a command uses, and how to let go of it: the last tuneflow process using a local service stops it. */
interface Held {
  release(): Promise<void>;
  /** For a process about to exit at once. */
  releaseNow(): void;
}

/** The Temporal and Redis a command talks to. */
export interface Services extends Held {
  target: TemporalTarget;
  redisUrl: string;
  /** The Web UI's base URL, when known. */
  uiUrl: string | null;
  /** True when Temporal is the local dev stack (no fleet of workers to rely on). */
  embedded: boolean;
}

/** The trial store a command reads. */
export interface TrialStoreAccess extends Held {
  url: string;
}

/** Temporal for a command that only asks it something. */
export interface TemporalAccess {
  target: TemporalTarget;
  uiUrl: string | null;
  release(): Promise<void>;
}

function fromRedis(redis: RedisService): TrialStoreAccess {
  return { url: redis.url, release: redis.release, releaseNow: redis.releaseNow };
}

/**
 * The trial store next to an existing cluster: REDIS_URL, or the Redis of a local stack that runs (as
 * `tuneflow dev` prints both). Never a Redis of this process's own: trials would scatter across stores.
 */
async function fleetTrialStore(): Promise<TrialStoreAccess> {
  if (process.env.REDIS_URL) return fromRedis(externalRedis(process.env.REDIS_URL));
  const local = await acquireLocalRedis({ name: STACK, log, joinOnly: true });
  if (local) return fromRedis(local);
  throw noFleetStore();
}

function noFleetStore(): InputError {
  return new InputError(
    `TEMPORAL_ADDRESS is set but REDIS_URL is not, and no local tuneflow stack runs under ${tuneflowHome()}. ` +
      'With an existing Temporal cluster, REDIS_URL must name the trial store shared by the whole fleet: every worker writes its trials there ' +
      'and every `tuneflow run`, `results` and `report` reads them, so each process starting a Redis of its own would scatter them. ' +
      'Set REDIS_URL (e.g. redis://redis.internal:6379) for every worker and command; for a fleet on this machine, `tuneflow dev` prints both variables.',
  );
}

/**
 * For `run` and `worker`. With TEMPORAL_ADDRESS set, that cluster and the fleet's trial store; otherwise
 * the local dev stack, joined when it runs (`tuneflow dev`, another `tuneflow run`) and started otherwise.
 */
export async function resolveServices(): Promise<Services> {
  const redisUrl = process.env.REDIS_URL;
  // The workers' own connections retry without end (bookkeeping never gives up): check once, with a deadline.
  if (redisUrl) await checkRedis(redisUrl);
  const external = targetFromEnv();
  if (external) {
    const store = await fleetTrialStore();
    return { target: external, redisUrl: store.url, uiUrl: process.env.TEMPORAL_UI_URL ?? null, embedded: false, release: store.release, releaseNow: store.releaseNow };
  }
  const stack = await ensureDevStack({ name: STACK, log, redisUrl });
  return {
    target: { address: stack.temporal.info.address, namespace: stack.namespace },
    redisUrl: stack.redis.url,
    uiUrl: stack.temporal.info.uiUrl,
    embedded: true,
    release: stack.release,
    releaseNow: stack.releaseNow,
  };
}

/**
 * For `status` and `cancel`: TEMPORAL_ADDRESS, or the local dev server when it runs. Asking never starts a
 * server: one started for the question would know nothing the user has not seen already.
 */
export async function resolveTemporal(): Promise<TemporalAccess> {
  const external = targetFromEnv();
  if (external) return { target: external, uiUrl: process.env.TEMPORAL_UI_URL ?? null, release: async () => undefined };
  const temporal = await joinDevTemporal({ name: STACK, log });
  if (!temporal) {
    throw new InputError(
      `No Temporal dev server is running for ${tuneflowHome()}; start one with \`tuneflow dev\` or run a session ` +
        '(or set TEMPORAL_ADDRESS to an existing cluster).',
    );
  }
  return { target: { address: temporal.info.address, namespace: DEV_NAMESPACE }, uiUrl: temporal.info.uiUrl, release: temporal.release };
}

/**
 * For `results`, `summary`, `report` and `workers`: REDIS_URL; with TEMPORAL_ADDRESS, the fleet's store
 * (see fleetTrialStore); otherwise the local Redis, started on its folder when none runs, since that
 * folder holds the trials of local sessions.
 */
export async function resolveTrialStore(): Promise<TrialStoreAccess> {
  if (process.env.REDIS_URL || process.env.TEMPORAL_ADDRESS) return fleetTrialStore();
  return fromRedis(await acquireLocalRedis({ name: STACK, log }));
}

export function sessionUrl(uiUrl: string | null, namespace: string, sessionId: string): string | null {
  return uiUrl ? `${uiUrl}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(sessionId)}` : null;
}

/** The Temporal `tuneflow run` would use: a cluster, the running local dev server, or one it would start. */
export type TemporalPlan =
  | { how: 'cluster'; target: TemporalTarget; uiUrl: string | null }
  | { how: 'join'; target: TemporalTarget; uiUrl: string | null; pid: number }
  | { how: 'start'; cli: string; db: string };

/** The trial store `tuneflow run` would use: REDIS_URL, the running local Redis, or one it would start. */
export type RedisPlan =
  | { how: 'url'; url: string }
  | { how: 'join'; url: string; pid: number }
  | { how: 'start'; binary: string | null; folder: string };

/**
 * What `tuneflow run` would use, found as resolveServices finds it but without starting, joining or writing
 * anything: external services are connected to (and must answer), local ones are looked up in their locks.
 * @throws InputError or UnreachableServiceError where `run` would stop: an unreachable REDIS_URL, no trial store
 *   for a cluster, a local server that holds its data but does not answer, no Temporal CLI or redis-server to start.
 */
export async function probeServices(): Promise<{ temporal: TemporalPlan; redis: RedisPlan }> {
  const redisUrl = process.env.REDIS_URL;
  if (redisUrl) await checkRedis(redisUrl);
  const external = targetFromEnv();
  const redis = redisUrl ? ({ how: 'url', url: redisUrl } as const) : await probeLocalRedis(external !== null);
  if (external) return { temporal: { how: 'cluster', target: external, uiUrl: process.env.TEMPORAL_UI_URL ?? null }, redis };
  const temporal = await peekDevTemporal(STACK);
  if (temporal.state === 'silent') throw silentService('The local Temporal dev server', temporal.pid, devTemporalDb(STACK), temporal.info.address);
  if (temporal.state === 'running') {
    return { temporal: { how: 'join', target: { address: temporal.info.address, namespace: DEV_NAMESPACE }, uiUrl: temporal.info.uiUrl, pid: temporal.pid }, redis };
  }
  const cli = locateTemporalCli();
  if (!cli) {
    throw new InputError(
      `No local Temporal dev server runs for ${tuneflowHome()}, and no Temporal CLI to start one was found (TEMPORAL_CLI_PATH, \`temporal\` on PATH, ` +
        `${toolsDir()}). \`tuneflow run\` would try to obtain it; \`npm run setup\` does that now, or set TEMPORAL_CLI_PATH to a \`temporal\` binary.`,
    );
  }
  return { temporal: { how: 'start', cli, db: devTemporalDb(STACK) }, redis };
}

async function probeLocalRedis(joinOnly: boolean): Promise<RedisPlan> {
  const local = await peekLocalRedis(STACK);
  if (local.state === 'silent') throw silentService('The local Redis', local.pid, localRedisFolder(STACK), local.info.address);
  if (local.state === 'running') return { how: 'join', url: local.info.address, pid: local.pid };
  if (joinOnly) throw noFleetStore();
  const binary = locateRedisServer();
  if (!binary && !canInstallRedisServer()) throw new InputError(NO_REDIS);
  return { how: 'start', binary, folder: localRedisFolder(STACK) };
}

function silentService(label: string, pid: number, data: string, address: string): InputError {
  return new InputError(
    `${label} (pid ${pid}) holds ${data} but does not answer at ${address}: it is starting or stuck. \`tuneflow run\` would wait a minute ` +
      `for it and then stop, since two servers must never share that data; try again in a moment, or stop it (kill ${pid}).`,
  );
}
