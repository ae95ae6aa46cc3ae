import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { tuneflow } from '../helpers/cli';
import { makeCampaign, SMA_GRID } from '../helpers/campaign';

interface EstimateJson {
  pilot: { trials: number; failed: number; trialMs: number; how: string; passes: number };
  budget: number;
  inFlight: number;
  cores: number;
  predictions: Array<{ threads: number; busyThreads: number; evaluationSeconds: number; stackSeconds: number; seconds: number }>;
}

/** Every entry under `dir` with its size and modification time. */
function snapshot(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[]).map((name) => {
    const stat = fs.statSync(path.join(dir, name));
    return `${name} ${stat.size} ${stat.mtimeMs}`;
  });
}

function estimateTempDirs(): string[] {
  return fs.readdirSync(os.tmpdir()).filter((name) => name.startsWith('tuneflow-estimate-'));
}

/** A command evaluator: a Node script that prints fixed metrics, or fails. */
function commandCampaign(script: string) {
  const campaign = makeCampaign(`evaluator:
  command: [${JSON.stringify(process.execPath)}, "evaluate.js"]
params:
  fast: { type: int, low: 5, high: 25, step: 5 }
objective: { metric: sharpe, direction: maximize }
search: { parallelism: 2 }
`);
  fs.writeFileSync(path.join(campaign.dir, 'evaluate.js'), script);
  return campaign;
}

describe('tuneflow estimate', () => {
  test('five predictions from pilot trials, with no server, and nothing written', async () => {
    const campaign = makeCampaign(SMA_GRID);
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'tuneflow-home-'));
    const before = snapshot(campaign.dir);
    const result = await tuneflow(['estimate', campaign.config, '--pilot', '6'], { TUNEFLOW_HOME: home, TEMPORAL_ADDRESS: '', REDIS_URL: '' });
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stdout.trimEnd().split('\n');
    assert.match(lines[0], /^Pilot: 6 trials of sma_crossover, parameter sets spread over the search space, as one batch on shared indicators: [\d.]+ (µs|ms) a trial \(median of \d+ timed passes/);
    assert.match(lines[1], /^Budget: 24 trials, 8 in flight, batches auto\. Temporal and Redis add 13 ms a trial \(bench:overhead/);
    assert.match(lines[2], /^threads\s+evaluation\s+temporal\+redis\+outputs\s+predicted wall time$/);
    assert.deepEqual(lines.slice(3, 8).map((line) => line.split(/\s+/)[0]), ['1', '2', '4', '8', '16']);
    assert.match(lines[7], /^16 \(8 busy\)/, 'more threads than trials in flight');
    assert.match(lines[8], new RegExp(`^This machine has ${os.availableParallelism()} cores?\\. The model: one free core per thread`));
    assert.deepEqual(snapshot(campaign.dir), before, 'nothing written next to the config, no outputs');
    assert.deepEqual(fs.readdirSync(home), [], 'nothing under TUNEFLOW_HOME: no server started');
    fs.rmSync(home, { recursive: true });
  });

  test('--json: the pilot, the budget and one prediction per thread count, never slower with more threads', async () => {
    const campaign = makeCampaign(SMA_GRID);
    const result = await tuneflow(['estimate', campaign.config, '--pilot', '4', '--trials', '10', '--parallelism', '2', '--json']);
    assert.equal(result.code, 0, result.stderr);
    const estimate = JSON.parse(result.stdout) as EstimateJson;
    assert.equal(estimate.pilot.trials, 4);
    assert.ok(estimate.pilot.trialMs > 0);
    assert.equal(estimate.budget, 10);
    assert.equal(estimate.inFlight, 2);
    assert.deepEqual(estimate.predictions.map((p) => p.threads), [1, 2, 4, 8, 16]);
    assert.deepEqual(estimate.predictions.map((p) => p.busyThreads), [1, 2, 2, 2, 2]);
    for (const p of estimate.predictions) assert.ok(Math.abs(p.seconds - p.evaluationSeconds - p.stackSeconds) < 1e-9);
    assert.ok(Math.abs(estimate.predictions[0].evaluationSeconds - (10 * estimate.pilot.trialMs) / 1000) < 1e-9);
    assert.equal(estimate.predictions[1].evaluationSeconds, estimate.predictions[0].evaluationSeconds / 2);
  });

  test('a command evaluator is run --pilot times, its logs in a temporary folder that goes', async () => {
    const campaign = commandCampaign(`let input = '';
process.stdin.on('data', (d) => (input += d));
process.stdin.on('end', () => {
  require('fs').appendFileSync(${JSON.stringify(path.join(os.tmpdir(), `tuneflow-estimate-runs-${process.pid}`))}, JSON.parse(input).trial_id + '\\n');
  console.log(JSON.stringify({ sharpe: 1 }));
});
`);
    const runs = path.join(os.tmpdir(), `tuneflow-estimate-runs-${process.pid}`);
    const tempBefore = estimateTempDirs();
    const result = await tuneflow(['estimate', campaign.config, '--pilot', '3', '--json']);
    assert.equal(result.code, 0, result.stderr);
    const estimate = JSON.parse(result.stdout) as EstimateJson;
    assert.equal(estimate.pilot.how, 'command');
    assert.equal(estimate.pilot.failed, 0);
    assert.equal(fs.readFileSync(runs, 'utf8'), '1\n2\n3\n', 'one run per pilot trial');
    fs.rmSync(runs);
    assert.deepEqual(estimateTempDirs(), tempBefore, 'no log folder left behind');
    assert.deepEqual(fs.readdirSync(campaign.dir).sort(), ['campaign.yaml', 'evaluate.js', 'prices.csv']);
  });

  test('pilot trials that all fail, or a bad --pilot, end in exit 2 with one paragraph', async () => {
    const failing = commandCampaign(`process.stderr.write('no market data here\\n'); process.exit(3);\n`);
    const failed = await tuneflow(['estimate', failing.config, '--pilot', '2']);
    assert.equal(failed.code, 2, failed.stderr);
    assert.match(failed.stderr, /^tuneflow: every one of the 2 pilot trials failed, so there is nothing to time; the first said: .*exited with code 3; last lines of stderr:\\nno market data here/);

    const campaign = makeCampaign(SMA_GRID);
    const zero = await tuneflow(['estimate', campaign.config, '--pilot', '0']);
    assert.equal(zero.code, 2);
    assert.match(zero.stderr, /--pilot takes a whole number of at least 1, got "0"/);
  });
});
