import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { tuneflow } from '../helpers/cli';
import { makeCampaign, SMA_GRID } from '../helpers/campaign';
import { SKIP_REASON, testServices, uniqueId, withWorker } from '../helpers/stack';

const services = testServices();

/** Temporary folders tuneflow itself created (its regenerated outputs), to see that none is left behind. */
function tuneflowTempDirs(): string[] {
  return fs.readdirSync(os.tmpdir()).filter((name) => name.startsWith('tuneflow-report-'));
}

describe('the session commands, run as a user runs them', { skip: services ? false : SKIP_REASON }, () => {
  const { address, redisUrl } = services ?? { address: '', redisUrl: '' };
  const env = (taskQueue: string) => ({ TEMPORAL_ADDRESS: address, REDIS_URL: redisUrl, TUNEFLOW_TASK_QUEUE: taskQueue });

  test('status, results, summary and report after a session; report writes where it says', async () => {
    const campaign = makeCampaign(SMA_GRID);
    const taskQueue = uniqueId('tq');
    const sessionId = uniqueId('commands');
    const run = await withWorker({ address, redisUrl, taskQueue }, () => tuneflow(['run', campaign.config, '--session-id', sessionId, '--json'], env(taskQueue)));
    assert.equal(run.code, 0, run.stderr);
    const outputs = path.join(campaign.dir, 'outputs', sessionId);
    const tempBefore = tuneflowTempDirs();

    const status = await tuneflow(['status', sessionId, '--json'], env(taskQueue));
    assert.equal(status.code, 0, status.stderr);
    const described = JSON.parse(status.stdout) as { status: string; result: { counts: { succeeded: number } } };
    assert.equal(described.status, 'COMPLETED');
    assert.equal(described.result.counts.succeeded, 24);

    const results = await tuneflow(['results', sessionId, '--csv', '--top-n', '3'], env(taskQueue));
    assert.equal(results.code, 0, results.stderr);
    const rows = results.stdout.trim().split('\n');
    assert.equal(rows.length, 4);
    assert.match(rows[0], /^rank,trial_id,fast,slow,sharpe/);

    const summary = await tuneflow(['summary', sessionId], env(taskQueue));
    assert.equal(summary.code, 0, summary.stderr);
    assert.match(summary.stdout, new RegExp(`^# Session ${sessionId}`, 'm'));

    fs.rmSync(path.join(outputs, 'report.html'));
    const report = await tuneflow(['report', sessionId], env(taskQueue));
    assert.equal(report.code, 0, report.stderr);
    assert.equal(report.stdout.trim(), path.join(outputs, 'report.html'));
    assert.ok(fs.statSync(report.stdout.trim()).size > 1000, 'the printed path is the report');

    const elsewhere = path.join(campaign.dir, 'copy', 'r.html');
    const copied = await tuneflow(['report', sessionId, '--out', elsewhere], env(taskQueue));
    assert.equal(copied.code, 0, copied.stderr);
    assert.ok(fs.existsSync(elsewhere));
    assert.deepEqual(tuneflowTempDirs(), tempBefore, 'no temporary folder left behind');

    for (const command of ['status', 'results', 'summary', 'report']) {
      const missing = await tuneflow([command, 'no-such-session-here'], env(taskQueue));
      assert.equal(missing.code, 2, `${command}: ${missing.stderr}`);
      assert.match(missing.stderr, /no-such-session-here/);
    }
  });

  test('a session in which no trial has a finite objective exits 1 and says there is no best', async () => {
    // No parameter set reaches 10,000 trades on 600 bars, so every trial is stored but none is ranked.
    const campaign = makeCampaign(`${SMA_GRID}min_trades: 10000\n`);
    const taskQueue = uniqueId('tq');
    const run = await withWorker({ address, redisUrl, taskQueue }, () => tuneflow(['run', campaign.config, '--session-id', uniqueId('unranked')], env(taskQueue)));
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stdout, /24 succeeded trials are not ranked \(no finite sharpe, too few trades, or a broken result constraint\)/);
    assert.match(run.stdout, /No trial was ranked \(a finite sharpe, enough trades, every result constraint met\): there is no best parameter set/);
  });
});
