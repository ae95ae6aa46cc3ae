import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { dominates, paretoFront } from '../../search';
import { tuneflow } from '../helpers/cli';
import { makeCampaign, smaSpace } from '../helpers/campaign';
import { replayAndRecord } from '../helpers/replay';
import { connectTestClient, SKIP_REASON, testServices, uniqueId, withWorker } from '../helpers/stack';

const services = testServices();

/** Two objectives that pull against each other on an SMA crossover: Sharpe ratio, and the drawdown (negative, larger is better). */
const TWO_OBJECTIVES = smaSpace({ fast: [2, 40], slow: [10, 150], objective: '[sharpe, { metric: max_drawdown_pct, direction: maximize }]' });

/** A CSV file as rows of cells keyed by the header (no quoted commas in these files). */
function readCsv(file: string): Record<string, string>[] {
  const [header, ...lines] = fs.readFileSync(file, 'utf8').trim().split('\n');
  const names = header.split(',');
  return lines.map((line) => Object.fromEntries(line.split(',').map((cell, i) => [names[i], cell])));
}

describe('a multi-objective session on the real stack', { skip: services ? false : SKIP_REASON }, () => {
  const { address, redisUrl } = services ?? { address: '', redisUrl: '' };
  let client: Awaited<ReturnType<typeof connectTestClient>>;
  const sessionsRun: string[] = [];

  before(async () => {
    client = await connectTestClient(address);
  });
  after(async () => {
    await client.close();
  });

  /** `tuneflow <args>` against the test stack, with a worker on its own task queue while it runs. */
  async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    const taskQueue = uniqueId('tq');
    const env = { TEMPORAL_ADDRESS: address, REDIS_URL: redisUrl, TUNEFLOW_TASK_QUEUE: taskQueue };
    return withWorker({ address, redisUrl, taskQueue }, () => tuneflow(args, env));
  }

  /** What the workflow learned of each trial: the `objectives` of the activities' outcomes in its history. */
  async function objectivesInHistory(sessionId: string): Promise<number[][]> {
    const history = await client.client.workflow.getHandle(sessionId).fetchHistory();
    const found: number[][] = [];
    for (const event of history.events ?? []) {
      const payload = event.activityTaskCompletedEventAttributes?.result?.payloads?.[0]?.data;
      // Activities that return nothing complete with an empty payload.
      if (!payload || payload.length === 0) continue;
      const result = JSON.parse(Buffer.from(payload).toString('utf8')) as { objectives?: number[]; outcomes?: { objectives?: number[] }[] };
      for (const outcome of result.outcomes ?? [result]) if (outcome.objectives) found.push(outcome.objectives);
    }
    return found;
  }

  for (const [algorithm, batch] of [['genetic', 'auto'], ['tpe', '1']] as const) {
    test(`${algorithm} (batch ${batch}): pareto.csv holds exactly the non-dominated trials, best_params.json the front and its recommended trial`, async () => {
      const campaign = makeCampaign(`${TWO_OBJECTIVES}search: { algorithm: ${algorithm}, seed: 3, trials: 60, parallelism: 6, options: { ${algorithm === 'tpe' ? 'nStartupTrials: 12' : 'populationSize: 12'} } }\ntrial: { batch: ${batch} }\n`);
      const sessionId = uniqueId('pareto');
      sessionsRun.push(sessionId);
      const result = await run(['run', campaign.config, '--session-id', sessionId]);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, new RegExp(`Pareto front of sharpe, max_drawdown_pct: pareto.csv in the outputs, or tuneflow results ${sessionId} --pareto\\.`));
      const out = path.join(campaign.dir, 'outputs', sessionId);

      // Every ranked trial is in rankings.csv; the front is exactly its non-dominated ones, on both objectives.
      const ranked = readCsv(path.join(out, 'rankings.csv'));
      assert.ok(ranked.length > 30, `${ranked.length} ranked trials`);
      const losses = ranked.map((r) => [-Number(r.sharpe), -Number(r.max_drawdown_pct)]);
      const expected = paretoFront(losses).map((i) => Number(ranked[i].trial_id)).sort((a, b) => a - b);
      const front = readCsv(path.join(out, 'pareto.csv'));
      assert.deepEqual(Object.keys(front[0]), ['trial_id', 'fast', 'slow', 'sharpe', 'max_drawdown_pct', 'weighted_rank', 'recommended']);
      assert.deepEqual(front.map((r) => Number(r.trial_id)).sort((a, b) => a - b), expected);
      const points = front.map((r) => [-Number(r.sharpe), -Number(r.max_drawdown_pct)]);
      for (const a of points) for (const b of points) assert.ok(!dominates(a, b), 'rows of pareto.csv are mutually non-dominated');
      assert.equal(Math.max(...front.map((r) => Number(r.sharpe))), Math.max(...ranked.map((r) => Number(r.sharpe))), 'the best Sharpe ratio is on the front');
      assert.equal(Math.max(...front.map((r) => Number(r.max_drawdown_pct))), Math.max(...ranked.map((r) => Number(r.max_drawdown_pct))), 'the best drawdown is on the front');
      const sharpes = front.map((r) => Number(r.sharpe));
      assert.deepEqual(sharpes, [...sharpes].sort((a, b) => b - a), 'best Sharpe first');

      // The weighted rank of both objectives recommends the front trial it ranks highest.
      const best = JSON.parse(fs.readFileSync(path.join(out, 'best_params.json'), 'utf8'));
      assert.deepEqual(best.pareto.objectives, [{ metric: 'sharpe', direction: 'maximize' }, { metric: 'max_drawdown_pct', direction: 'maximize' }]);
      assert.equal(best.pareto.size, front.length);
      assert.equal(best.pareto.thinned, 0);
      const minRank = Math.min(...front.map((r) => Number(r.weighted_rank)));
      const recommended = front.filter((r) => r.recommended === 'true');
      assert.equal(recommended.length, 1);
      assert.equal(Number(recommended[0].weighted_rank), minRank);
      assert.equal(best.pareto.recommended.trial_id, Number(recommended[0].trial_id));
      assert.deepEqual(best.pareto.recommended.weights, { sharpe: 1, max_drawdown_pct: 1 });
      assert.deepEqual(best.pareto.front.map((t: { trial_id: number }) => t.trial_id), front.map((r) => Number(r.trial_id)));
      assert.equal(best.pareto.front[0].objectives.sharpe, Number(front[0].sharpe));
      assert.equal(best.best[0].objective, Math.max(...sharpes), 'best lists the best by the first objective, as before');

      // summary.md and report.html list the front; nothing is left behind but the outputs.
      assert.match(fs.readFileSync(path.join(out, 'summary.md'), 'utf8'), new RegExp(`## Pareto front\\n\\n${front.length} trials? (are|is) non-dominated on maximize sharpe, maximize max_drawdown_pct`));
      assert.match(fs.readFileSync(path.join(out, 'report.html'), 'utf8'), /<section id="pareto">/);
      assert.deepEqual(fs.readdirSync(out).sort(), ['best_params.json', 'importance.csv', 'pareto.csv', 'rankings.csv', 'report.html', 'run.json', 'sensitivity.csv', 'summary.md', 'trials.csv']);

      // The workflow fed the sampler both objectives of every ranked trial.
      const vectors = await objectivesInHistory(sessionId);
      assert.equal(vectors.length, ranked.length);
      assert.ok(vectors.every((v) => v.length === 2 && v.every(Number.isFinite)));

      // `results --pareto` reads the same front from the trial store.
      const listed = await tuneflow(['results', sessionId, '--pareto', '--csv'], { REDIS_URL: redisUrl });
      assert.equal(listed.code, 0, listed.stderr);
      const fromStore = listed.stdout.trim().split('\n');
      assert.equal(fromStore[0], 'trial_id,fast,slow,sharpe,max_drawdown_pct');
      assert.deepEqual(fromStore.slice(1), front.map((r) => [r.trial_id, r.fast, r.slow, r.sharpe, r.max_drawdown_pct].join(',')));
      const shown = await tuneflow(['results', sessionId, '--pareto'], { REDIS_URL: redisUrl });
      assert.match(shown.stdout, new RegExp(`Session ${sessionId}: 60 trials stored, 0 failed; Pareto front of maximize sharpe, maximize max_drawdown_pct: ${front.length} trials, best sharpe first:`));
    });
  }

  test('results --pareto refuses a session with one objective, and --metric beside it, with exit code 2', async () => {
    const campaign = makeCampaign('strategy: sma_crossover\nparams: { fast: [5, 10], slow: [20, 30] }\nobjective: sharpe\n');
    const sessionId = uniqueId('single');
    assert.equal((await run(['run', campaign.config, '--session-id', sessionId])).code, 0);
    const single = await tuneflow(['results', sessionId, '--pareto'], { REDIS_URL: redisUrl });
    assert.equal(single.code, 2);
    assert.match(single.stderr, new RegExp(`--pareto: session ${sessionId} has one objective, sharpe, so its best trials are all there is: run tuneflow results ${sessionId}\\.`));
    assert.equal(single.stdout, '');
    const both = await tuneflow(['results', sessionId, '--pareto', '--metric', 'calmar'], { REDIS_URL: redisUrl });
    assert.equal(both.code, 2);
    assert.match(both.stderr, /--pareto lists the front of the session's own objectives; leave out --metric\./);
  });

  test('the recorded histories of the multi-objective sessions replay without non-determinism errors', async () => {
    assert.ok(sessionsRun.length > 0);
    await replayAndRecord(client.client, sessionsRun);
  });
});
