import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatDuration, orchestrationCost, OUTPUTS_COST, predictWallTime } from '../../cli/wallTime';

describe('the wall-time model of tuneflow estimate', () => {
  test('trials spread over the threads, never more threads busy than trials in flight', () => {
    const input = { trials: 1000, trialMs: 2, inFlight: 4, batched: true };
    const stackSeconds = (1000 * (orchestrationCost(true, 4).msPerTrial + OUTPUTS_COST.msPerTrial)) / 1000;
    assert.deepEqual(predictWallTime(input, 1), { threads: 1, busyThreads: 1, evaluationSeconds: 2, stackSeconds, seconds: 2 + stackSeconds });
    assert.equal(predictWallTime(input, 2).evaluationSeconds, 1);
    const eight = predictWallTime(input, 8);
    assert.equal(eight.busyThreads, 4);
    assert.equal(eight.evaluationSeconds, 0.5, 'four threads idle: the window holds four trials');
    assert.equal(eight.stackSeconds, stackSeconds, 'the stack cost does not shrink with threads');
  });

  test('the stack cost is the widest measured window the session reaches, batched or not', () => {
    assert.equal(orchestrationCost(true, 4).msPerTrial, 1000 / 80);
    assert.equal(orchestrationCost(true, 64).msPerTrial, 1000 / 1581);
    assert.equal(orchestrationCost(true, 255).msPerTrial, 1000 / 1581);
    assert.equal(orchestrationCost(true, 256).msPerTrial, 1000 / 5071);
    assert.ok(Math.abs(orchestrationCost(true, 100_000).msPerTrial - 0.0490) < 0.0005);
    assert.equal(orchestrationCost(false, 8).msPerTrial, 1000 / 80);
    assert.equal(orchestrationCost(false, 4096).msPerTrial, 1000 / 209);
    assert.match(orchestrationCost(false, 64).source, /one activity per trial, 64 in flight/);
  });

  test('durations read as people say them', () => {
    assert.equal(formatDuration(0.4242), '0.42 s');
    assert.equal(formatDuration(12.34), '12.3 s');
    assert.equal(formatDuration(59.97), '1 min 00 s');
    assert.equal(formatDuration(250), '4 min 10 s');
    assert.equal(formatDuration(2 * 3600 + 5 * 60), '2 h 05 min');
    assert.equal(formatDuration(3 * 86400 + 4 * 3600), '3 d 4 h');
  });
});
