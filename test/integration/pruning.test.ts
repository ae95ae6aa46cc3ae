import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { RedisTrialStore } from '../../store/redis/trialStore';
import { loadCsv, runBacktest, stageEnds, type Params } from '../../backtest';
import { tuneflow } from '../helpers/cli';
import { makeCampaign, SMA_SPLITS, smaSpace } from '../helpers/campaign';
import { allKeys } from '../helpers/redisKeys';
import { replayAndRecord } from '../helpers/replay';
import { connectTestClient, redisClient, SKIP_REASON, testServices, uniqueId, withWorker } from '../helpers/stack';

const services = testServices();

/** RFC 4180 cells of one line (no line breaks inside cells in these files). */
function csvCells(line: string): string[] {
  return [...line.matchAll(/(?:^|,)("(?:[^"]|"")*"|[^,]*)/g)].map((m) => (m[1].startsWith('"') ? m[1].slice(1, -1).replace(/""/g, '"') : m[1]));
}

function readCsv(file: string): Array<Record<string, string>> {
  const [header, ...rows] = fs.readFileSync(file, 'utf8').trimEnd().split('\n').map(csvCells);
  return rows.map((cells) => Object.fromEntries(header.map((h, i) => [h, cells[i]])));
}

const SMA_TPE = smaSpace({ fast: [3, 40], slow: [10, 150] });

describe('pruning, run as a user runs it', { skip: services ? false : SKIP_REASON }, () => {
  const { address, redisUrl } = services ?? { address: '', redisUrl: '' };
  const env = (taskQueue: string) => ({ TEMPORAL_ADDRESS: address, REDIS_URL: redisUrl, TUNEFLOW_TASK_QUEUE: taskQueue });
  let client: Awaited<ReturnType<typeof connectTestClient>>;
  const redis = redisClient(redisUrl || 'redis://127.0.0.1:1');
  const store = new RedisTrialStore(redis);
  before(async () => {
    client = await connectTestClient(address);
  });
  after(async () => {
    redis.disconnect();
    await client.close();
  });

  test('median: trials below the median stop early as pruned, never ranked; complete trials are exactly plain backtests; delete leaves nothing', async () => {
    const campaign = makeCampaign(`${SMA_TPE}search: { algorithm: tpe, seed: 4, trials: 60, parallelism: 4 }\npruning: { stages: 4, rule: median }\n`, { bars: 1200 });
    const taskQueue = uniqueId('tq');
    const sessionId = uniqueId('pruning');
    const run = await withWorker({ address, redisUrl, taskQueue }, () => tuneflow(['run', campaign.config, '--session-id', sessionId], env(taskQueue)));
    assert.equal(run.code, 0, run.stderr);
    const out = path.join(campaign.dir, 'outputs', sessionId);

    const trials = readCsv(path.join(out, 'trials.csv'));
    assert.equal(trials.length, 60);
    const pruned = trials.filter((t) => t.status === 'pruned');
    const complete = trials.filter((t) => t.status === 'succeeded');
    assert.equal(pruned.length + complete.length, 60, 'nothing failed');
    assert.ok(pruned.length >= 10, `${pruned.length} of 60 pruned`);
    assert.match(run.stdout, new RegExp(`Session ${sessionId}: ${complete.length} succeeded, 0 failed, ${pruned.length} pruned \\(complete\\)\\.`));
    for (const t of pruned) {
      assert.ok(['1', '2', '3'].includes(t.pruned_stage), `trial ${t.trial_id} pruned after stage ${t.pruned_stage}, never the last`);
      assert.ok(Number.isFinite(Number(t.pruned_value)) && t.pruned_value !== '');
      assert.equal(t.objective, '', 'a pruned trial has no objective');
      assert.match(t.note, new RegExp(`^pruned after stage ${t.pruned_stage} of 4: sharpe .* is below .*, the median of \\d+ complete trials at that stage$`));
    }
    assert.ok(complete.every((t) => t.pruned_stage === '' && t.pruned_value === ''));

    const runJson = JSON.parse(fs.readFileSync(path.join(out, 'run.json'), 'utf8'));
    assert.deepEqual(runJson.counts, { total: 60, succeeded: complete.length, failed: 0, retried: 0, pruned: pruned.length });
    assert.equal(runJson.pruned_by_stage.length, 4);
    assert.equal(runJson.pruned_by_stage.reduce((a: number, b: number) => a + b, 0), pruned.length);
    assert.equal(runJson.pruned_by_stage[3], 0);
    assert.deepEqual(runJson.resolved.pruning, { rule: 'median', stages: 4, startupTrials: 5 });
    const summary = fs.readFileSync(path.join(out, 'summary.md'), 'utf8');
    assert.match(summary, new RegExp(`Trials: 60 \\(${complete.length} succeeded, 0 failed, ${pruned.length} pruned: \\d+ after stage \\d.* of 4\\)\\.`));
    assert.match(fs.readFileSync(path.join(out, 'report.html'), 'utf8'), new RegExp(`<span>pruned</span><b>${pruned.length}</b>`));

    // The best and every ranked trial are complete trials.
    const completeIds = new Set(complete.map((t) => t.trial_id));
    const best = JSON.parse(fs.readFileSync(path.join(out, 'best_params.json'), 'utf8'));
    assert.ok(completeIds.has(String(best.best[0].trial_id)));
    assert.ok(readCsv(path.join(out, 'rankings.csv')).every((r) => completeIds.has(r.trial_id)));

    // A complete trial's metrics are its plain backtest's; a pruned trial's are those of a backtest ending where its stage ends.
    const bars = loadCsv(campaign.data);
    const options = { cash: 10_000, commission: 0.002 };
    const records = await store.allTrials(sessionId);
    const ends = stageEnds({ start: 0, end: bars.length }, 4);
    for (const r of records) {
      const expected = runBacktest(bars, 'sma_crossover', r.params as Params, r.status === 'pruned' ? { ...options, window: { start: 0, end: ends[r.pruned!.stage - 1] } } : options).metrics;
      const asStored = Object.fromEntries(Object.entries(expected).map(([k, v]) => [k, Number.isFinite(v) ? v : null]));
      assert.deepEqual(r.metrics, asStored, `trial ${r.trialId} (${r.status})`);
      if (r.status === 'pruned') assert.equal(r.pruned!.value, asStored.sharpe);
    }

    // The session's reports live beside its trials, and go with them.
    assert.ok((await allKeys(redis, `tf:{${sessionId}}:reports:*`)).length > 0);
    const deleted = await tuneflow(['delete', sessionId], env(taskQueue));
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.deepEqual(await allKeys(redis, `tf:{${sessionId}}*`), [], 'no key of the session is left');

    await replayAndRecord(client.client, [sessionId]);
  });

  test('asha in a walk-forward session: each split prunes within itself, on its own training window', async () => {
    const campaign = makeCampaign(
      `${SMA_SPLITS}search: { algorithm: grid, parallelism: 1 }\nwalk_forward: { splits: 2, train: 240, test: 80, top_n: 2 }\npruning: { stages: 4, rule: asha }\n`,
      { bars: 600 },
    );
    const taskQueue = uniqueId('tq');
    const sessionId = uniqueId('pruning-wf');
    const run = await withWorker({ address, redisUrl, taskQueue }, () => tuneflow(['run', campaign.config, '--session-id', sessionId], env(taskQueue)));
    assert.equal(run.code, 0, run.stderr);
    const out = path.join(campaign.dir, 'outputs', sessionId);
    const runJson = JSON.parse(fs.readFileSync(path.join(out, 'run.json'), 'utf8'));
    const splits = readCsv(path.join(out, 'splits.csv'));
    assert.equal(splits.length, 2);
    for (const split of runJson.splits as Array<{ split: number; session_id: string; counts: { succeeded: number; failed: number; pruned: number } }>) {
      const records = await store.allTrials(split.session_id);
      const prunedHere = records.filter((r) => r.status === 'pruned');
      assert.equal(records.length, 11, 'the grid: fast 5..20 × slow 20..60 with fast < slow');
      assert.ok(prunedHere.length > 0, `split ${split.split} pruned some of its 11 trials`);
      assert.deepEqual(split.counts, { succeeded: 11 - prunedHere.length, failed: 0, pruned: prunedHere.length });
      assert.equal(splits.find((s) => s.split === String(split.split))?.trials_pruned, String(prunedHere.length));
      // The first trial of a split always reaches the end: nothing stands above it at rung 0.
      assert.equal(records[0].status, 'succeeded');
      for (const r of prunedHere) assert.ok([1, 3].includes(r.pruned!.stage), `asha judges at its rungs, stages 1 and 3; trial ${r.trialId} stopped after ${r.pruned!.stage}`);
    }
    assert.match(fs.readFileSync(path.join(out, 'summary.md'), 'utf8'), /Trials: 22 \(\d+ succeeded, 0 failed, \d+ pruned\)/);
    await replayAndRecord(client.client, [sessionId, `${sessionId}/split-1`, `${sessionId}/split-2`]);
  });
});

describe('pruning settings, checked as a user runs tuneflow', () => {
  const refused: Array<[string, string, RegExp]> = [
    ['one stage', 'pruning: { stages: 1, rule: median }\n', /`pruning\.stages`: at least 2 stages/],
    ['21 stages', 'pruning: { stages: 21, rule: median }\n', /`pruning\.stages`: at most 20 stages/],
    ['a fraction of a stage', 'pruning: { stages: 2.5, rule: asha }\n', /`pruning\.stages`: a whole number of stages from 2 to 20/],
    ['an unknown rule', 'pruning: { stages: 4, rule: mean }\n', /`pruning\.rule`: expected median \(Optuna's MedianPruner\) or asha/],
    ['no rule', 'pruning: { stages: 4 }\n', /`pruning\.rule`: /],
    ['an unknown key', 'pruning: { rule: median, patience: 3 }\n', /unknown key `pruning\.patience`/],
    ['a reduction factor for the median', 'pruning: { rule: median, reduction_factor: 3 }\n', /`pruning`: `reduction_factor` is a setting of rule asha/],
    ['startup trials for asha', 'pruning: { rule: asha, startup_trials: 3 }\n', /`pruning`: `startup_trials` is a setting of rule median/],
    ['a reduction factor of 1', 'pruning: { rule: asha, reduction_factor: 1 }\n', /`pruning\.reduction_factor`: at least 2/],
    ['batches of one', 'pruning: { rule: median }\ntrial: { batch: 1 }\n', /`pruning`: pruned trials run in batch activities/],
    ['the result cache', 'pruning: { rule: median }\ncache: {}\n', /`pruning`: a cached result has no stage values to compare/],
    ['too many stages for the data', 'pruning: { rule: median, stages: 20 }\n', /`pruning\.stages`: 20 stages need at least 40 bars, two a stage, and the data has 30 bars; use fewer stages\./],
  ];
  for (const [what, yaml, message] of refused) {
    test(`refuses ${what} with exit 2 and one paragraph naming the key`, async () => {
      const campaign = makeCampaign(`${SMA_SPLITS}search: { algorithm: grid }\n${yaml}`, { bars: what.startsWith('too many') ? 30 : 300 });
      const checked = await tuneflow(['check', campaign.config]);
      assert.equal(checked.code, 2, checked.stdout);
      assert.match(checked.stderr, message);
      assert.equal(checked.stderr.trim().split('\n').length, 1, 'one paragraph');
    });
  }

  test('refuses an external evaluator and several objectives, and `run` writes nothing', async () => {
    const command = makeCampaign(`evaluator:\n  command: ["true"]\nparams:\n  x: { type: float, low: 0, high: 1, step: 0.5 }\nobjective: { metric: score, direction: maximize }\npruning: { rule: median }\n`);
    const run = await tuneflow(['run', command.config, '--dry-run']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /`pruning`: an external `evaluator` runs each trial as one command that reports only its final metrics, so tuneflow cannot stop it after a stage/);
    assert.deepEqual(fs.readdirSync(command.dir).sort(), ['campaign.yaml', 'prices.csv'], 'nothing written');
    const front = makeCampaign(`${SMA_SPLITS.replace('objective: sharpe', 'objective: [sharpe, max_drawdown_pct]')}search: { algorithm: tpe, trials: 10 }\npruning: { rule: asha }\n`);
    const checked = await tuneflow(['check', front.config]);
    assert.equal(checked.code, 2);
    assert.match(checked.stderr, /`pruning`: a stage compares trials by one objective, and this session has 2/);
  });

  test('check names the rule and its stages', async () => {
    const campaign = makeCampaign(`${SMA_SPLITS}search: { algorithm: grid }\npruning: { stages: 10, rule: asha }\n`);
    const checked = await tuneflow(['check', campaign.config]);
    assert.equal(checked.code, 0, checked.stderr);
    assert.match(checked.stdout, /pruning asha over 10 stages, rungs at stages 1, 3, 9, η 3; outputs in /);
  });
});
