import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { runChaos } from '../../harness/chaos/run';
import { SKIP_REASON, testServices } from '../helpers/stack';

// Restarts need servers of its own: the suite's shared ones must not go down under other tests.
describe('chaos, short: one fault of each kind on a private stack', { skip: testServices() ? false : SKIP_REASON }, () => {
  test('no trial lost or stored twice, the same results as undisturbed', { timeout: 300_000 }, async (t) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tuneflow-chaos-'));
    const lines: string[] = [];
    const started = Date.now();
    const result = await runChaos({
      // Parallelism 8 against 24 trial slots leaves slots free during a Redis outage, so attempts that time
      // out there would be retried until they run out; a 12 s outage outlasts 3 attempts of 2 s heartbeats.
      campaign: { trials: 1200, parallelism: 8, bars: 1000, seed: 11, heartbeatTimeout: '2s' },
      fleet: { workers: 3, threads: 1, concurrency: 8 },
      faultSeed: 3,
      timing: { redisDownMs: [12_000, 13_000], cutMs: [5000, 6000], temporalDownMs: [500, 1000], refillDelayMs: [500, 1000], recoveryCapMs: 60_000 },
      gapMs: [500, 1500],
      maxFaults: 4,
      minWindowMs: 0,
      stallMs: 90_000,
      netns: true,
      dir,
      log: (line) => lines.push(`${((Date.now() - started) / 1000).toFixed(1)} s ${line}`),
    });
    if (result.partitionSkipped) t.diagnostic(`partition fault skipped: ${result.partitionSkipped}`);
    const log = lines.join('\n');
    const failed = result.checks.filter((c) => !c.ok);
    assert.deepEqual(failed, [], log);

    const v = result.verification!;
    assert.equal(v.lost.length, 0);
    assert.equal(v.notFinal.length + v.extraIndexEntries + v.repeatedInRankings.length + v.repeatedInTrialsCsv.length, 0);
    assert.equal(v.storeSucceeded, 1200);
    assert.deepEqual(v.best, v.referenceBest);
    const kinds = result.injection.faults.map((f) => f.kind).sort();
    assert.deepEqual(kinds, [...result.kinds].sort(), log);
    t.diagnostic(
      `${((Date.now() - started) / 1000).toFixed(0)} s: ` +
        result.injection.faults.map((f) => `${f.kind} resumed ${f.resumeMs} ms${f.redoMs !== undefined ? `, ${f.interrupted} interrupted redone ${f.redoMs} ms` : ''}`).join('; ') +
        `; session ${(result.sessionMs / 1000).toFixed(1)} s, undisturbed ${((result.referenceMs ?? 0) / 1000).toFixed(1)} s`,
    );
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
