import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { defaultPayloadConverter } from '@temporalio/common';
import type { TrialEvaluator } from '../../evaluators/index';
import { getStrategy, loadCsv, runBacktest } from '../../backtest';
import { tuneflow } from '../helpers/cli';
import { makeCampaign, SMA_GRID } from '../helpers/campaign';
import { replayAndRecord } from '../helpers/replay';
import { connectTestClient, SKIP_REASON, testServices, uniqueId, withWorker } from '../helpers/stack';

const services = testServices();

/** A narrow spike at (0.9, 0.9) that beats a broad hill around (0.3, 0.3): the best trial is not the robust one. */
function landscape(x: number, y: number): number {
  if (Math.abs(x - 0.9) < 1e-9 && Math.abs(y - 0.9) < 1e-9) return 3;
  return 2 * Math.exp(-((x - 0.3) ** 2 + (y - 0.3) ** 2) / 0.08);
}

const landscapeEvaluator: TrialEvaluator = async (input) => ({ score: landscape(input.params.x as number, input.params.y as number) });

/** RFC 4180 cells of one line (no line breaks inside cells in these files). */
function csvCells(line: string): string[] {
  return [...line.matchAll(/(?:^|,)("(?:[^"]|"")*"|[^,]*)/g)].map((m) => (m[1].startsWith('"') ? m[1].slice(1, -1).replace(/""/g, '"') : m[1]));
}

function readCsv(file: string): Array<Record<string, string>> {
  const [header, ...rows] = fs.readFileSync(file, 'utf8').trimEnd().split('\n').map(csvCells);
  return rows.map((cells) => Object.fromEntries(header.map((h, i) => [h, cells[i]])));
}

describe('robust choice and result constraints, run as a user runs them', { skip: services ? false : SKIP_REASON }, () => {
  const { address, redisUrl } = services ?? { address: '', redisUrl: '' };
  const env = (taskQueue: string) => ({ TEMPORAL_ADDRESS: address, REDIS_URL: redisUrl, TUNEFLOW_TASK_QUEUE: taskQueue });
  let client: Awaited<ReturnType<typeof connectTestClient>>;
  before(async () => {
    client = await connectTestClient(address);
  });
  after(async () => {
    await client.close();
  });

  test('select by neighbourhood mean recommends the broad hill, where the raw rank puts the spike first', async () => {
    const campaign = makeCampaign(`evaluator:
  command: ["true"]
params:
  x: { type: float, low: 0, high: 1, step: 0.1 }
  y: { type: float, low: 0, high: 1, step: 0.1 }
objective: { metric: score, direction: maximize }
search: { algorithm: grid, parallelism: 16 }
select: { by: neighbourhood_mean, top_k: 20, radius: 0.15, min_neighbours: 4 }
`);
    const taskQueue = uniqueId('tq');
    const sessionId = uniqueId('robust');
    const run = await withWorker({ address, redisUrl, taskQueue, evaluate: landscapeEvaluator }, () => tuneflow(['run', campaign.config, '--session-id', sessionId], env(taskQueue)));
    assert.equal(run.code, 0, run.stderr);
    const out = path.join(campaign.dir, 'outputs', sessionId);
    assert.deepEqual(fs.readdirSync(out).sort(), ['best_params.json', 'importance.csv', 'rankings.csv', 'report.html', 'run.json', 'sensitivity.csv', 'summary.md', 'trials.csv'],
      'no scratch file is left behind');

    const best = JSON.parse(fs.readFileSync(path.join(out, 'best_params.json'), 'utf8'));
    assert.deepEqual(best.best[0].params, { x: 0.9, y: 0.9 }, 'the raw rank puts the spike first');
    assert.equal(best.best[0].objective, 3);
    assert.deepEqual(best.select, { by: 'neighbourhood_mean', top_k: 20, radius: 0.15, min_neighbours: 4 });
    assert.equal(best.recommended_by, 'neighbourhood_mean');
    assert.deepEqual(best.recommended.params, { x: 0.3, y: 0.3 });
    assert.equal(best.recommended.robust_rank, 1);
    assert.equal(best.recommended.metrics.score, 2);
    // Computed here from the landscape: (0.3, 0.3) and the eight grid points within 0.15 of it.
    const members = [-0.1, 0, 0.1].flatMap((dx) => [-0.1, 0, 0.1].map((dy) => landscape(0.3 + dx, 0.3 + dy)));
    assert.equal(best.recommended.neighbours, 8);
    assert.ok(Math.abs(best.recommended.neighbourhood_mean - members.reduce((a, b) => a + b, 0) / 9) < 1e-12);
    assert.equal(best.recommended.neighbourhood_worst, Math.min(...members));
    assert.equal(best.best[0].neighbours, 8);
    assert.ok(best.best[0].neighbourhood_mean < 0.5, 'the spike stands alone');

    const rankings = readCsv(path.join(out, 'rankings.csv'));
    assert.equal(rankings.length, 121);
    assert.deepEqual(Object.keys(rankings[0]).slice(0, 10), ['rank', 'trial_id', 'x', 'y', 'objective', 'weighted_rank', 'weighted_score', 'robust_rank', 'neighbours', 'neighbourhood_mean']);
    assert.equal(rankings.filter((r) => r.robust_rank !== '').length, 20, 'the top 20 have a robust rank');
    assert.ok(rankings.slice(20).every((r) => r.neighbours === '' && r.robust_rank === ''));
    const hill = rankings.find((r) => r.x === '0.3' && r.y === '0.3')!;
    assert.equal(hill.robust_rank, '1');
    assert.equal(rankings[0].robust_rank === '1', false);

    const summary = fs.readFileSync(path.join(out, 'summary.md'), 'utf8');
    assert.match(summary, /## Robust choice/);
    assert.match(summary, /Recommended \(select\.by: neighbourhood_mean\): trial \d+, rank \d+ by score, robust rank 1: x=0\.3, y=0\.3\./);
    const report = fs.readFileSync(path.join(out, 'report.html'), 'utf8');
    assert.match(report, /<section id="robust"><h2>Robust choice<\/h2>/);
  });

  test('result constraints: violators are stored with the constraint they broke, never ranked or recommended', async () => {
    // What the engine gives each grid point, computed here; the constraint splits the grid by its median trade count.
    const bars = loadCsv(makeCampaign(SMA_GRID).data);
    const grid = [5, 10, 15, 20, 25].flatMap((fast) => [10, 20, 30, 40, 50, 60].filter((slow) => fast < slow).map((slow) => ({ fast, slow })));
    const direct = grid.map((params) => ({ params, metrics: runBacktest(bars, getStrategy('sma_crossover'), params, { cash: 10_000, commission: 0.002 }).metrics }));
    const trades = direct.map((d) => d.metrics.trades).sort((a, b) => a - b);
    const threshold = trades[Math.floor(trades.length / 2)];
    const breaks = (d: (typeof direct)[number]) => d.metrics.trades < threshold;
    const violators = direct.filter(breaks);
    assert.ok(violators.length > 0 && violators.length < direct.length);

    const campaign = makeCampaign(`${SMA_GRID}result_constraints: ["trades >= ${threshold}"]\nsearch: { algorithm: grid, parallelism: 8 }\n`);
    const taskQueue = uniqueId('tq');
    const sessionId = uniqueId('constraints');
    const run = await withWorker({ address, redisUrl, taskQueue }, () => tuneflow(['run', campaign.config, '--session-id', sessionId], env(taskQueue)));
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, new RegExp(`${violators.length} succeeded trials are not ranked \\(no finite sharpe, too few trades, or a broken result constraint\\)`));
    const out = path.join(campaign.dir, 'outputs', sessionId);

    const trials = readCsv(path.join(out, 'trials.csv'));
    assert.equal(trials.length, 24, 'every trial is stored');
    for (const d of direct) {
      const row = trials.find((t) => Number(t.fast) === d.params.fast && Number(t.slow) === d.params.slow)!;
      assert.equal(row.status, 'succeeded');
      if (breaks(d)) {
        assert.equal(row.objective, '', 'no objective for a violator');
        assert.equal(row.note, `not ranked: violates result constraint "trades >= ${threshold}" (trades = ${d.metrics.trades})`);
      } else assert.notEqual(row.note?.startsWith('not ranked: violates'), true);
    }
    const ranked = readCsv(path.join(out, 'rankings.csv'));
    assert.ok(ranked.every((r) => Number(r.trades) >= threshold), 'rankings.csv holds no violator');
    const best = JSON.parse(fs.readFileSync(path.join(out, 'best_params.json'), 'utf8'));
    const feasible = direct.filter((d) => !breaks(d) && Number.isFinite(d.metrics.sharpe)).sort((a, b) => b.metrics.sharpe - a.metrics.sharpe);
    assert.deepEqual(best.best[0].params, feasible[0].params, 'the best feasible trial is recommended');
    assert.ok(best.best.every((b: { metrics: { trades: number } }) => b.metrics.trades >= threshold));

    const summary = fs.readFileSync(path.join(out, 'summary.md'), 'utf8');
    assert.match(summary, new RegExp(`${violators.length} of the 24 succeeded trials broke at least one result constraint`));
    assert.match(summary, new RegExp(`\\| trades &gt;= ${threshold} \\| ${violators.length} \\|`), 'escaped as all user text in summary.md is');
    assert.ok(!/\(not rankable\)/.test(summary), 'violators take no part in the weighted rank');
    assert.match(fs.readFileSync(path.join(out, 'report.html'), 'utf8'), /<section id="constraints"><h2>Result constraints<\/h2>/);
    const results = await tuneflow(['results', sessionId, '--csv', '--top-n', '24', '--metric', 'return_pct'], env(taskQueue));
    assert.equal(results.code, 0, results.stderr);
    const listed = results.stdout.trim().split('\n').slice(1).map(csvCells);
    assert.equal(listed.length, ranked.length, '`tuneflow results` lists the ranked trials only, whatever the metric');
    // Its trial activities carry the constraints; sessions without them schedule what they always did.
    await replayAndRecord(client.client, [sessionId]);
    const history = await client.client.workflow.getHandle(sessionId).fetchHistory();
    const told = (history.events ?? []).flatMap((e) => {
      const payload = e.activityTaskCompletedEventAttributes?.result?.payloads?.[0];
      const result = payload ? defaultPayloadConverter.fromPayload<{ outcomes?: Array<{ trialId: number; infeasible?: boolean }> } | null>(payload) : null;
      return (result?.outcomes ?? []).filter((o) => o.infeasible);
    });
    assert.equal(told.length, violators.length, 'each violator reached the sampler as infeasible');
  });
});
