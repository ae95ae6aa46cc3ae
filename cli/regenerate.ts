import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Redis from 'ioredis';
import { aggregate } from '../activities/aggregate';
import { TrialStore } from '../activities/trialStore';
import { aggregateWalkForward } from '../activities/walkForward';
import { WorkerStatsStore } from '../activities/workerStats';
import { ensureRedis } from '../scripts/redis';
import { METRIC_DIRECTION } from '../config/metrics';
import { InputError } from '../types/errors';
import type { SessionSpec, SplitResult } from '../types/session';

/**
 * Regenerates a session's outputs from the trial store into a fresh temporary folder, for `tuneflow report` and `tuneflow summary`: also for a session still running, whose files then
 * show the trials (and walk-forward splits) finished so far.
 */
export async function regenerateOutputs(
  sessionId: string,
  opts: { metric?: string; topN?: number } = {},
): Promise<{ dir: string; spec: SessionSpec }> {
  const service = await ensureRedis({ name: 'dev', log: (l) => console.error(l) });
  const redis = new Redis(service.url, { maxRetriesPerRequest: 3 });
  try {
    const store = new TrialStore(redis);
    const meta = await store.getMeta(sessionId);
    if (!meta) throw new InputError(`No session "${sessionId}" in the trial store at ${service.url}.`);
    const stored = meta.spec as SessionSpec;
    if (opts.metric && !(opts.metric in METRIC_DIRECTION)) {
      throw new InputError(`--metric: unknown metric "${opts.metric}"; choose one of ${Object.keys(METRIC_DIRECTION).join(', ')}.`);
    }
    const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tuneflow-report-'));
    const spec: SessionSpec = {
      ...stored,
      rankWeights: opts.metric ? { [opts.metric]: 1 } : stored.rankWeights,
      output: { dir: outDir, topN: opts.topN ?? stored.output.topN },
    };
    const versions = { regenerated_by: 'tuneflow report' };
    if (spec.walkForward) {
      const results: SplitResult[] = [];
      for (const split of spec.walkForward.splits) {
        const result = (await store.getMeta(`${sessionId}/split-${split.k}`))?.result;
        if (result) results.push(result);
      }
      await aggregateWalkForward(store, { spec, results, failures: [] }, versions);
    } else {
      const counts = { succeeded: 0, failed: 0 };
      for await (const t of store.iterateTrials(sessionId)) counts[t.status] += 1;
      await aggregate(store, { spec, leaderboard: [], counts, runs: 0, stoppedBy: 'complete', startedAt: meta.startedAt }, versions, await new WorkerStatsStore(redis).sessionTotals(sessionId));
    }
    return { dir: path.join(outDir, sessionId), spec };
  } finally {
    redis.disconnect();
    await service.stop();
  }
}
