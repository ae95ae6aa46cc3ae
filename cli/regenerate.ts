import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { aggregate } from '../activities/aggregate';
import { BatchTimeStore } from '../store/redis/batchTimes';
import { aggregateWalkForward, splitSessionIds } from '../activities/walkForward';
import { WorkerStatsStore } from '../store/redis/workerStats';
import { withSession } from './storeAccess';
import { METRIC_DIRECTION } from '../config/metrics';
import { InputError } from '../errors';
import type { SessionSpec, SplitResult } from '../types/session';
import type { TrialStatus } from '../types/trial';

/**
 * Regenerates a session's outputs from the trial store into a fresh temporary folder, for `tuneflow report`
 * and `tuneflow summary`: also for a session still running, whose files then show the trials (and
 * walk-forward splits) finished so far. `sessionOutputDir` is where the session itself writes its outputs.
 */
export async function regenerateOutputs(
  sessionId: string,
  opts: { metric?: string; topN?: number } = {},
): Promise<{ dir: string; spec: SessionSpec; sessionOutputDir: string }> {
  return withSession(sessionId, async ({ store, redis, meta, spec: stored }) => {
    if (opts.metric && !Object.hasOwn(METRIC_DIRECTION, opts.metric)) {
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
      const holdout = meta.holdout ? { holdout: meta.holdout } : {};
      await aggregateWalkForward(store, { spec, results, failures: [], ...holdout }, versions, await new BatchTimeStore(redis).readMany(splitSessionIds(spec)));
    } else {
      const counts: Record<TrialStatus, number> = { succeeded: 0, failed: 0, pruned: 0 };
      for await (const t of store.iterateTrials(sessionId)) counts[t.status] += 1;
      const statistics = { workers: await new WorkerStatsStore(redis).sessionTotals(sessionId), times: await new BatchTimeStore(redis).read(sessionId) };
      await aggregate(store, { spec, leaderboard: [], counts, runs: 0, stoppedBy: 'complete', startedAt: meta.startedAt }, versions, statistics);
    }
    return { dir: path.join(outDir, sessionId), spec, sessionOutputDir: path.join(stored.output.dir, sessionId) };
  });
}
