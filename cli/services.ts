import { ensureDevStack } from '../scripts/devStack';
import { ensureRedis } from '../scripts/redis';
import { targetFromEnv, type TemporalTarget } from '../workers/connection';

/** The Temporal and Redis a command talks to, and how to let go of them. */
export interface Services {
  target: TemporalTarget;
  redisUrl: string;
  /** The Web UI's base URL, when known. */
  uiUrl: string | null;
  /** True when Temporal runs inside this tuneflow process (no external workers to rely on). */
  embedded: boolean;
  stop(): Promise<void>;
}

const log = (line: string) => console.error(line);

/**
 * With TEMPORAL_ADDRESS set, an existing cluster (and REDIS_URL, or a local Redis); otherwise the
 * embedded dev stack, reusing one that `tuneflow dev` or another `tuneflow run` already runs.
 */
export async function resolveServices(): Promise<Services> {
  const external = targetFromEnv();
  if (external) {
    const redis = await ensureRedis({ name: 'dev', log });
    return { target: external, redisUrl: redis.url, uiUrl: process.env.TEMPORAL_UI_URL ?? null, embedded: false, stop: () => redis.stop() };
  }
  const stack = await ensureDevStack({ name: 'dev', log });
  const redisUrl = process.env.REDIS_URL ?? stack.redisUrl;
  return {
    target: { address: stack.temporalAddress, namespace: stack.namespace },
    redisUrl,
    uiUrl: stack.uiUrl || null,
    embedded: true,
    stop: () => stack.stop(),
  };
}

export function sessionUrl(uiUrl: string | null, namespace: string, sessionId: string): string | null {
  return uiUrl ? `${uiUrl}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(sessionId)}` : null;
}
