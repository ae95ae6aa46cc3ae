import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { periodReturnSource } from '../../evaluators/backtest';
import { OverfittingCollector } from '../../activities/overfitting';
import { formatCsv, generateBars } from '../../backtest';
import {
  effectiveTrials, expectedMaxSharpe, meanPairwiseCorrelation, perPeriodSharpe, probabilisticSharpe, returnMoments, type ReturnMoments,
} from '../../analysis/deflatedSharpe';
import { normalCdf, normalQuantile } from '../../analysis/normal';
import { renderReportHtml, renderSummaryMarkdown } from '../../analysis';
import { assessOverfitting, unassessed, verdictOf } from '../../analysis/overfitting';
import { pboProblem, probabilityOfBacktestOverfitting } from '../../analysis/pbo';
import type { SessionSpec } from '../../types/session';
import { trial } from './fixtures';

/** Numbers from numpy and scipy, written by scripts/overfitting/reference.py. */
const reference = JSON.parse(fs.readFileSync(path.resolve(__dirname, '..', '..', '..', 'test', 'fixtures', 'overfitting', 'reference.json'), 'utf8')) as {
  normal: { x: number[]; cdf: number[]; p: number[]; quantile: number[] };
  series: Array<{
    name: string; returns: number[]; moments: Omit<ReturnMoments, 'count'> & { count: number }; psr: number;
    sharpe_variance: number; trials: number; expected_max_sharpe: number; deflated_sharpe: number;
  }>;
  correlation: { series: number[][]; mean_correlation: number; trials: number; trials_effective: number };
  pbo: Array<{ name: string; blocks: number; returns: number[][]; pbo: number; combinations: number; logits?: number[]; logit_summary?: { mean: number; min: number; max: number } }>;
};

function close(actual: number, expected: number, tolerance: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= tolerance * Math.max(1, Math.abs(expected)), `${what}: ${actual} against ${expected}`);
}

describe('the normal distribution', () => {
  it('Φ and Φ⁻¹ agree with scipy.stats.norm to 1e-14, in the tails too', () => {
    reference.normal.x.forEach((x, i) => close(normalCdf(x), reference.normal.cdf[i], 1e-14, `Φ(${x})`));
    // Relative in the far tail, where the absolute value is tiny.
    assert.ok(Math.abs(normalCdf(-9) / reference.normal.cdf[0] - 1) < 1e-12, 'Φ(−9) keeps its digits');
    reference.normal.p.forEach((p, i) => close(normalQuantile(p), reference.normal.quantile[i], 1e-12, `Φ⁻¹(${p})`));
    assert.equal(normalQuantile(0), -Infinity);
    assert.equal(normalQuantile(1), Infinity);
    assert.ok(Number.isNaN(normalQuantile(1.5)));
  });
});

describe('probabilistic and deflated Sharpe ratios', () => {
  it('reproduce the worked example of Bailey & López de Prado (2014), "The Deflated Sharpe Ratio", JPM 40(5)', () => {
    // The paper's example: N = 100 trials whose annualised Sharpe ratios vary with variance 1/2, the best at an
    // annualised 2.5 over 5 years of daily returns (T = 1,250, 250 a year), skewness −3, kurtosis 10. It finds
    // an expected maximum of 0.1132 per day and a deflated Sharpe ratio of 0.9004.
    const daily = 2.5 / Math.sqrt(250);
    const srStar = expectedMaxSharpe(0.5 / 250, 100);
    close(srStar, 0.1132, 5e-5, 'SR*');
    const moments: ReturnMoments = { count: 1250, mean: NaN, std: NaN, sharpe: daily, skewness: -3, kurtosis: 10 };
    close(probabilisticSharpe(moments, srStar), 0.9004, 5e-5, 'DSR');
  });

  it('agree with scipy on return series of three shapes (normal, fat tails, negative skew)', () => {
    for (const c of reference.series) {
      const m = returnMoments(c.returns);
      assert.equal(m.count, c.moments.count);
      for (const key of ['mean', 'std', 'sharpe', 'skewness', 'kurtosis'] as const) close(m[key], c.moments[key], 1e-10, `${c.name}: ${key}`);
      close(probabilisticSharpe(m, 0), c.psr, 1e-10, `${c.name}: PSR`);
      close(expectedMaxSharpe(c.sharpe_variance, c.trials), c.expected_max_sharpe, 1e-12, `${c.name}: SR*`);
      close(probabilisticSharpe(m, expectedMaxSharpe(c.sharpe_variance, c.trials)), c.deflated_sharpe, 1e-10, `${c.name}: DSR`);
    }
  });

  it('one trial has nothing to deflate, and a flat series has no Sharpe ratio', () => {
    assert.equal(expectedMaxSharpe(0.01, 1), 0);
    assert.ok(Number.isNaN(probabilisticSharpe(returnMoments([0, 0, 0, 0]), 0)));
  });

  it('the effective number of trials: the mean correlation of the returns, as numpy.corrcoef gives it', () => {
    const c = reference.correlation;
    const { mean, pairs } = meanPairwiseCorrelation(c.series);
    assert.equal(pairs, 15);
    close(mean, c.mean_correlation, 1e-12, 'mean correlation');
    close(effectiveTrials(c.trials, mean), c.trials_effective, 1e-12, 'effective trials');
    assert.equal(effectiveTrials(500, 1), 1, 'identical trials are one');
    assert.equal(effectiveTrials(500, -0.2), 500, 'hedging trials are no fewer than independent ones');
    assert.equal(meanPairwiseCorrelation([[1, 2, 3], [0, 0, 0]]).pairs, 0, 'a series that never varies correlates with nothing');
  });

  it('a trial\'s per-period Sharpe ratio from its stored annual return and volatility is within 0.5 % of the one of its returns', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tuneflow-psr-'));
    try {
      const data = path.join(dir, 'prices.csv');
      fs.writeFileSync(data, formatCsv(generateBars({ seed: 11, bars: 1500, interval: '1d', weekends: false, start: '2012-01-02', mu: 0.12, sigma: 0.25, startPrice: 100 })));
      const source = periodReturnSource({ kind: 'backtest', dataPath: data, strategy: 'sma_crossover', cash: 10_000, commission: 0.001 });
      assert.equal(source.periodsPerYear, 252);
      let compared = 0;
      for (const [fast, slow] of [[5, 20], [10, 50], [20, 100], [3, 8], [30, 200]]) {
        const { returns, metrics } = source.returnsOf({ fast, slow });
        const direct = returnMoments(returns).sharpe;
        const fromMetrics = perPeriodSharpe(metrics.return_ann_pct, metrics.volatility_ann_pct, 252);
        assert.ok(Math.abs(fromMetrics - direct) <= 0.005 * Math.abs(direct) + 1e-4, `fast ${fast} slow ${slow}: ${fromMetrics} against ${direct}`);
        compared++;
      }
      assert.equal(compared, 5);
      assert.ok(Number.isNaN(perPeriodSharpe(null, 12, 252)), 'no volatility, no Sharpe ratio');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('collecting a session\'s trials', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tuneflow-collect-'));
  const dataPath = path.join(dir, 'prices.csv');
  fs.writeFileSync(dataPath, formatCsv(generateBars({ seed: 5, bars: 400, interval: '1d', weekends: false, start: '2016-01-04', mu: 0, sigma: 0.3, startPrice: 50 })));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const evaluator = { kind: 'backtest' as const, dataPath, strategy: 'sma_crossover', cash: 10_000, commission: 0.001 };
  const spec = (direction: 'maximize' | 'minimize', sample = 8) =>
    ({ evaluator, objective: { metric: 'sharpe', direction }, search: { seed: 1 }, pbo: { sample, blocks: 4 } }) as unknown as SessionSpec;
  const trials = () => {
    const source = periodReturnSource(evaluator);
    return [[3, 10], [5, 20], [8, 30], [10, 40], [12, 50], [15, 60], [20, 80], [4, 12], [6, 25], [9, 45], [14, 70], [25, 100]].map(([fast, slow], i) => {
      const { metrics } = source.returnsOf({ fast, slow });
      return { sessionId: 's', trialId: i + 1, params: { fast, slow }, status: 'succeeded' as const, metrics, objective: metrics.sharpe as number, attempt: 1, workerId: 'w', durationMs: 1, finishedAt: '' };
    });
  };

  it('assesses the best trial by the objective\'s direction, over a sample of K of the N trials', () => {
    for (const direction of ['maximize', 'minimize'] as const) {
      const collector = OverfittingCollector.of(spec(direction));
      const all = trials();
      for (const t of all) collector.offer(t);
      const report = collector.assess();
      const sign = direction === 'maximize' ? 1 : -1;
      const best = all.reduce((a, b) => (sign * (b.objective - a.objective) > 0 ? b : a));
      assert.equal(report.bestTrialId, best.trialId, direction);
      assert.equal(report.trials, 12);
      assert.equal(report.sample, 8);
      assert.equal(report.returns, 399);
      assert.equal(report.pboCombinations, 6, 'C(4, 2)');
      assert.ok(report.notes.some((n) => /over 8 trials drawn at random from the 12/.test(n)));
    }
  });

  it('refuses to assess a best trial whose stored metrics its re-run no longer gives', () => {
    const collector = OverfittingCollector.of(spec('maximize'));
    const all = trials();
    all[0] = { ...all[0], objective: 99, metrics: { ...all[0].metrics, return_pct: 12.5 } };
    for (const t of all) collector.offer(t);
    const report = collector.assess();
    assert.equal(report.verdict, 'not assessed');
    assert.deepEqual([report.psr, report.deflatedSharpe, report.pbo], [null, null, null]);
    assert.match(report.explanation, /instead of the 12\.5 % it stored; the data file or the strategy changed since the trials ran/);
  });
});

describe('probability of backtest overfitting (CSCV)', () => {
  it('agrees with a direct numpy implementation, split by split', () => {
    for (const c of reference.pbo) {
      const result = probabilityOfBacktestOverfitting(c.returns, c.blocks);
      assert.equal(result.combinations, c.combinations, c.name);
      close(result.pbo, c.pbo, 1e-12, `${c.name}: PBO`);
      if (c.logits) c.logits.forEach((l, i) => close(result.logits[i], l, 1e-9, `${c.name}: λ of split ${i}`));
      if (c.logit_summary) {
        const logits = Array.from(result.logits);
        close(logits.reduce((a, b) => a + b, 0) / logits.length, c.logit_summary.mean, 1e-9, `${c.name}: mean λ`);
        close(Math.min(...logits), c.logit_summary.min, 1e-9, `${c.name}: min λ`);
        close(Math.max(...logits), c.logit_summary.max, 1e-9, `${c.name}: max λ`);
      }
    }
  });

  it('a trial with a real edge is chosen in sample and stays on top out of sample', () => {
    const edge = reference.pbo.find((c) => c.name === 'one real edge')!;
    assert.ok(probabilityOfBacktestOverfitting(edge.returns, edge.blocks).pbo < 0.1);
  });

  it('names what stops it: too few trials, an odd block count, too few returns', () => {
    assert.match(pboProblem(1, 100, 16)!, /at least 2/);
    assert.match(pboProblem(10, 100, 7)!, /even number of blocks/);
    assert.match(pboProblem(10, 15, 16)!, /too few for 16 blocks/);
    assert.equal(pboProblem(10, 64, 16), null);
    assert.throws(() => probabilityOfBacktestOverfitting([[1, 2, 3]], 2), RangeError);
  });
});

describe('the verdict', () => {
  it('reads the deflated Sharpe ratio and PBO against the documented thresholds', () => {
    const trials = { run: 500, effective: 212.4 };
    assert.equal(verdictOf(0.97, 0.1, trials).verdict, 'survives deflation');
    assert.equal(verdictOf(0.97, null, trials).verdict, 'survives deflation');
    assert.equal(verdictOf(0.97, 0.7, trials).verdict, 'likely overfit');
    assert.equal(verdictOf(0.8, 0.2, trials).verdict, 'inconclusive');
    assert.equal(verdictOf(0.3, 0.2, trials).verdict, 'likely luck');
    assert.equal(verdictOf(0.3, 0.9, trials).verdict, 'likely luck');
    assert.equal(verdictOf(null, 0.1, trials).verdict, 'not assessed');
    assert.match(verdictOf(0.3, 0.62, trials).explanation, /best of 500 trials .* worth 212 independent ones.* only 30 %.* 62 % of the cross-validation splits/);
  });

  it('leaves a number it cannot compute null and says why', () => {
    const flat = new Float64Array(40);
    const report = assessOverfitting({ trials: 1, sharpeVariance: NaN, bestTrialId: 3, best: flat, sample: [flat], blocks: 4 });
    assert.equal(report.psr, null);
    assert.equal(report.deflatedSharpe, null);
    assert.equal(report.pbo, null);
    assert.equal(report.verdict, 'not assessed');
    assert.ok(report.notes.some((n) => /do not vary/.test(n)));
    assert.ok(report.notes.some((n) => /No PBO: .*at least 2/.test(n)));
  });
});

describe('summary.md and report.html', () => {
  const report = assessOverfitting({
    trials: 40,
    sharpeVariance: 0.0004,
    bestTrialId: 7,
    best: Float64Array.from(reference.pbo[0].returns[3]),
    sample: reference.pbo[0].returns.map((r) => Float64Array.from(r)),
    blocks: 6,
    notes: ['Trial 9 could not be run again and is left out: a|b <script>[x](javascript:alert(1))'],
  });

  it('give the verdict first, then every number with what it says, and keep user text as text', () => {
    const md = renderSummaryMarkdown({ sessionId: 's', objective: { metric: 'sharpe', direction: 'maximize' }, trials: [trial(7, { fast: 5 }, { sharpe: 1 })], overfitting: report });
    const section = md.slice(md.indexOf('## Luck or skill?'));
    assert.match(section, new RegExp(`^## Luck or skill\\?\\n\\n\\*\\*${report.verdict.replace(/^./, (c) => c.toUpperCase())}\\.\\*\\* `));
    for (const row of ['probabilistic Sharpe (psr)', 'deflated Sharpe', 'effective trials', 'PBO']) assert.match(section, new RegExp(`\\| ${row.replace(/[()]/g, '\\$&')} \\| [0-9.]+ \\|`));
    assert.match(section, /share of the 20 cross-validation splits/);
    assert.ok(!md.includes('<script>') && md.includes('a\\|b &lt;script&gt;\\[x\\](javascript:alert(1))'));

    const html = renderReportHtml({ sessionId: 's', objective: { metric: 'sharpe', direction: 'maximize' }, trials: [trial(7, { fast: 5 }, { sharpe: 1 })], overfitting: report });
    assert.match(html, /<section id="overfitting"><h2>Luck or skill\?<\/h2>/);
    assert.match(html, /aria-label="PBO logit histogram"/);
    assert.ok(!html.includes('<script>[x]') && html.includes('&lt;script&gt;[x](javascript:alert(1))'));
  });

  it('say only why when nothing could be assessed', () => {
    const none = unassessed('The evaluator is an external command.', 12, 16);
    const md = renderSummaryMarkdown({ sessionId: 's', objective: { metric: 'sharpe', direction: 'maximize' }, trials: [], overfitting: none });
    assert.match(md, /\*\*Not assessed\.\*\* The evaluator is an external command\./);
    assert.ok(!md.includes('| deflated Sharpe |'));
    const html = renderReportHtml({ sessionId: 's', objective: { metric: 'sharpe', direction: 'maximize' }, trials: [], overfitting: none });
    assert.ok(!html.includes('PBO logit histogram'));
  });
});
