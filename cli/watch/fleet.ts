import { ALIVE_WITHIN_MS, WorkerStatsStore } from '../../store/redis/workerStats';
import type { RedisClient } from '../../store/redis/client';
import type { SessionSpec } from '../../types/session';
import { addTotals, fleetRows, type FleetRow } from './snapshot';

/** The session ids a session's trials are counted under: its own, or each walk-forward split's. */
export function trialSessionIds(sessionId: string, spec: Pick<SessionSpec, 'walkForward'> | null): string[] {
  const splits = spec?.walkForward?.splits;
  return splits ? splits.map((split) => `${sessionId}/split-${split.k}`) : [sessionId];
}

/** Reads the fleet from the trial store as the session `sessionIds` count their trials (see fleetRows). */
export function fleetReader(redis: RedisClient, sessionIds: string[]): () => Promise<FleetRow[]> {
  const stats = new WorkerStatsStore(redis);
  return async () => {
    const [workers, ...totals] = await Promise.all([stats.list(), ...sessionIds.map((id) => stats.sessionTotals(id))]);
    return fleetRows(workers, addTotals(totals), Date.now(), ALIVE_WITHIN_MS);
  };
}
