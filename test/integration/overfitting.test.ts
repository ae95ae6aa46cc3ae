import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { tuneflow } from '../helpers/cli';
import { makeCampaign, smaSpace } from '../helpers/campaign';
import { SKIP_REASON, testServices, uniqueId, withWorker } from '../helpers/stack';
import { trendingBars } from '../helpers/trendingBars';

const services = testServices();

/** An SMA crossover over a wide space, searched at random: 600 trials, a few seconds on the real stack. */
const SMA_SEARCH = smaSpace({ fast: [2, 60], slow: [10, 250], commission: 0.001, rest: 'search: { algorithm: random, seed: 5, trials: 600, parallelism: 64 }\n' });

interface BestParams {
  psr: number | null;
  deflated_sharpe: number | null;
  trials_effective: number | null;
  pbo: number | null;
  overfitting: {
    verdict: string; trials: number; returns: number | null; sample: number; pbo_blocks: number; pbo_combinations: number | null;
    skewness: number | null; kurtosis: number | null; best_trial_id: number | null; notes: string[];
  };
  best: Array<{ trial_id: number }>;
}

async function runSession(config: string, sessionId: string): Promise<{ outputDir: string; best: BestParams }> {
  const { address, redisUrl } = services!;
  const taskQueue = uniqueId('tq');
  const result = await withWorker({ address, redisUrl, taskQueue }, () =>
    tuneflow(['run', config, '--session-id', sessionId, '--json'], { TEMPORAL_ADDRESS: address, REDIS_URL: redisUrl, TUNEFLOW_TASK_QUEUE: taskQueue }),
  );
  assert.equal(result.code, 0, result.stderr);
  const outputDir = (JSON.parse(result.stdout) as { outputDir: string }).outputDir;
  return { outputDir, best: JSON.parse(fs.readFileSync(path.join(outputDir, 'best_params.json'), 'utf8')) as BestParams };
}

describe('deflated Sharpe ratio and PBO of a session, on the real stack', { skip: services ? false : SKIP_REASON }, () => {
  // With no skill to find, the in-sample best is a coin flip out of sample: PBO centres on 0.5 and varies with
  // the series (from 0.13 to 0.89 over twelve walks like this one, median 0.62), while the deflated Sharpe ratio
  // stayed below 0.95 on all twelve. With a real edge PBO stays near 0 (at most 0.17 on eleven of twelve series
  // like the trending one below, all twelve with a deflated Sharpe ratio of 0.96 or more).
  test('on a zero-drift random walk the best of 600 trials is luck: PBO near chance, deflated Sharpe below 0.95', async () => {
    const campaign = makeCampaign(SMA_SEARCH, { bars: 1000, seed: 3, mu: 0 });
    const { outputDir, best } = await runSession(campaign.config, uniqueId('noise'));
    const o = best.overfitting;
    assert.ok(o.trials >= 500, `${o.trials} trials ranked`);
    assert.equal(o.best_trial_id, best.best[0].trial_id, 'the best trial is the one assessed');
    assert.equal(o.returns, 999, 'one return per daily bar after the first');
    assert.equal(o.sample, 100);
    assert.equal(o.pbo_combinations, 12870, 'C(16, 8) splits');
    assert.ok(best.pbo !== null && best.pbo > 0.4, `PBO ${best.pbo}`);
    assert.ok(best.deflated_sharpe !== null && best.deflated_sharpe < 0.95, `deflated Sharpe ${best.deflated_sharpe}`);
    assert.ok(best.psr !== null && best.psr > best.deflated_sharpe, 'deflating for 600 trials lowers the probability');
    assert.ok(best.trials_effective !== null && best.trials_effective > 1 && best.trials_effective < o.trials, 'correlated trials count as fewer');
    assert.notEqual(o.verdict, 'survives deflation');

    const summary = fs.readFileSync(path.join(outputDir, 'summary.md'), 'utf8');
    assert.match(summary, /## Luck or skill\?/);
    assert.match(summary, new RegExp(`\\*\\*${o.verdict.replace(/^./, (c) => c.toUpperCase())}\\.\\*\\*`));
    const report = fs.readFileSync(path.join(outputDir, 'report.html'), 'utf8');
    assert.match(report, /<section id="overfitting">/);
    assert.match(report, /aria-label="PBO logit histogram"/);
    assert.ok((report.match(/<rect x="[^"]+" y="[^"]+" width="[^"]+" height="[^"]+" fill="#dc2626" fill-opacity="0.75"\/>/g) ?? []).length > 0, 'bars left of λ = 0');
  });

  test('over seven zero-drift random walks (seeds 1 to 7), PBO is high on most and the deflated Sharpe never passes 0.95', async () => {
    const pbos: number[] = [];
    for (let seed = 1; seed <= 7; seed++) {
      const campaign = makeCampaign(SMA_SEARCH, { bars: 1000, seed, mu: 0 });
      const { best } = await runSession(campaign.config, uniqueId(`noise-${seed}`));
      assert.ok(best.deflated_sharpe !== null && best.deflated_sharpe < 0.95, `walk ${seed}: deflated Sharpe ${best.deflated_sharpe}`);
      assert.notEqual(best.overfitting.verdict, 'survives deflation', `walk ${seed}`);
      pbos.push(best.pbo as number);
    }
    const sorted = [...pbos].sort((a, b) => a - b);
    assert.ok((sorted[3] as number) > 0.5, `median PBO over the walks: ${sorted[3]} (${pbos.map((p) => p.toFixed(2)).join(', ')})`);
  });

  test('on a series with a planted trend the best trial survives deflation: PBO below 0.5, deflated Sharpe of 0.95 or more', async () => {
    const campaign = makeCampaign(SMA_SEARCH, { series: trendingBars({ seed: 4, bars: 1500, drift: 0.004, sigma: 0.01, regimeBars: 100 }) });
    const { best } = await runSession(campaign.config, uniqueId('trend'));
    assert.ok(best.overfitting.trials >= 500);
    assert.ok(best.pbo !== null && best.pbo < 0.5, `PBO ${best.pbo}`);
    assert.ok(best.deflated_sharpe !== null && best.deflated_sharpe >= 0.95, `deflated Sharpe ${best.deflated_sharpe}`);
    assert.equal(best.overfitting.verdict, 'survives deflation');
  });

  test('an external evaluator has no returns: every number is null and the note says why', async () => {
    const campaign = makeCampaign(`evaluator:
  command: ["${process.execPath}", "evaluate.js"]
params:
  x: { type: int, low: 1, high: 8 }
objective: sharpe
search: { algorithm: grid }
analysis: { pbo: { sample: 20, blocks: 4 } }
`);
    fs.writeFileSync(path.join(campaign.dir, 'evaluate.js'),
      'let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => console.log(JSON.stringify({ sharpe: JSON.parse(s).params.x / 10 })));\n');
    const { best } = await runSession(campaign.config, uniqueId('command'));
    assert.deepEqual([best.psr, best.deflated_sharpe, best.trials_effective, best.pbo], [null, null, null, null]);
    assert.equal(best.overfitting.verdict, 'not assessed');
    assert.equal(best.overfitting.trials, 8);
    assert.equal(best.overfitting.pbo_blocks, 4);
    assert.match(best.overfitting.notes.join(' '), /external command, which reports metrics but no per-period returns/);
  });

  test('a walk-forward session assesses each split\'s in-sample best on its training window', async () => {
    const campaign = makeCampaign(`strategy: sma_crossover
params:
  fast: { type: int, low: 3, high: 20 }
  slow: { type: int, low: 20, high: 60 }
constraints: ["fast < slow"]
objective: sharpe
search: { algorithm: random, seed: 2, trials: 30, parallelism: 8 }
walk_forward: { splits: 3, train: 300, test: 100, top_n: 3 }
analysis: { pbo: { sample: 20, blocks: 8 } }
`, { bars: 700 });
    const { address, redisUrl } = services!;
    const taskQueue = uniqueId('tq');
    const result = await withWorker({ address, redisUrl, taskQueue }, () =>
      tuneflow(['run', campaign.config, '--session-id', uniqueId('wf'), '--json'], { TEMPORAL_ADDRESS: address, REDIS_URL: redisUrl, TUNEFLOW_TASK_QUEUE: taskQueue }),
    );
    assert.equal(result.code, 0, result.stderr);
    const outputDir = (JSON.parse(result.stdout) as { outputDir: string }).outputDir;
    const wf = JSON.parse(fs.readFileSync(path.join(outputDir, 'walk_forward.json'), 'utf8')) as { in_sample_overfitting: Array<BestParams & { split: number }> };
    assert.equal(wf.in_sample_overfitting.length, 3);
    for (const s of wf.in_sample_overfitting) {
      assert.ok(s.overfitting.trials > 0 && s.overfitting.trials <= 30);
      assert.equal(s.overfitting.returns, 299, `split ${s.split}: the returns of its 300 training bars`);
      assert.equal(s.overfitting.sample, 20, 'K trials drawn from the split\'s');
      assert.equal(s.overfitting.pbo_combinations, 70, 'C(8, 4)');
      for (const n of [s.psr, s.deflated_sharpe, s.pbo]) assert.ok(n !== null && n >= 0 && n <= 1);
    }
    const csv = fs.readFileSync(path.join(outputDir, 'splits.csv'), 'utf8').split('\n');
    assert.match(csv[0], /,psr,deflated_sharpe,trials_effective,pbo,verdict$/);
    assert.match(fs.readFileSync(path.join(outputDir, 'summary.md'), 'utf8'), /### Luck or skill, per split/);
    assert.match(fs.readFileSync(path.join(outputDir, 'report.html'), 'utf8'), /<section id="overfitting-splits">/);
  });
});

describe('bad analysis settings end in exit code 2 with a message naming the key', () => {
  const cases: Array<{ name: string; analysis: string; expect: RegExp }> = [
    { name: 'an odd number of blocks', analysis: '{ pbo: { blocks: 7 } }', expect: /`analysis\.pbo\.blocks`: expected an even number: half the blocks are in sample, half out of sample/ },
    { name: 'more blocks than allowed', analysis: '{ pbo: { blocks: 40 } }', expect: /`analysis\.pbo\.blocks`:.*20/ },
    { name: 'a sample of one trial', analysis: '{ pbo: { sample: 1 } }', expect: /`analysis\.pbo\.sample`:.*2/ },
    { name: 'an unknown key', analysis: '{ pbo: { top_k: 50 } }', expect: /unknown key `analysis\.pbo\.top_k`/ },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      const campaign = makeCampaign(`strategy: sma_crossover\nparams: { fast: { low: 5, high: 10 } }\nanalysis: ${c.analysis}\n`);
      const result = await tuneflow(['run', campaign.config]);
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, c.expect);
      assert.match(result.stderr, /campaign\.yaml/);
      assert.ok(!fs.existsSync(path.join(campaign.dir, 'outputs')), 'nothing written');
    });
  }
});
