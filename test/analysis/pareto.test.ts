import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ParetoArchive, recommendedOf, renderReportHtml, renderSummaryMarkdown, type ParetoResult, type ParetoRow } from '../../analysis';
import { dominates, paretoFront } from '../../search';
import { Prng } from '../../search/prng';
import type { Direction } from '../../search/types';
import { trial } from './fixtures';

/** Random trials on two or three objectives, rounded so that equal values occur. */
function randomTrials(n: number, k: number, seed: number) {
  const rng = Prng.fromSeed(seed);
  return Array.from({ length: n }, (_, i) => ({ trialId: i + 1, params: { a: i }, values: Array.from({ length: k }, () => Math.round(rng.float() * 50) / 10) }));
}

const lossesOf = (values: number[], directions: Direction[]) => values.map((v, j) => (directions[j] === 'maximize' ? -v : v));

describe('ParetoArchive', () => {
  it('keeps exactly the non-dominated trials of a stream, whatever its order and directions', () => {
    for (const [k, directions] of [[2, ['maximize', 'maximize']], [2, ['maximize', 'minimize']], [3, ['minimize', 'maximize', 'minimize']]] as const) {
      const trials = randomTrials(600, k, k * 7);
      const expected = paretoFront(trials.map((t) => lossesOf(t.values, [...directions]))).map((i) => trials[i].trialId).sort((a, b) => a - b);
      for (const order of [trials, [...trials].reverse()]) {
        const archive = new ParetoArchive([...directions]);
        for (const t of order) archive.offer(t);
        assert.deepEqual(archive.front().map((t) => t.trialId).sort((a, b) => a - b), expected, `${k} objectives`);
        assert.equal(archive.thinned, 0);
      }
    }
  });

  it('lists the front best first by the first objective, keeps trials with equal values, skips non-finite ones', () => {
    const archive = new ParetoArchive(['maximize', 'maximize']);
    archive.offer({ trialId: 1, params: {}, values: [1, 3] });
    archive.offer({ trialId: 2, params: {}, values: [3, 1] });
    archive.offer({ trialId: 3, params: {}, values: [2, 2] });
    archive.offer({ trialId: 4, params: {}, values: [2, 2] });
    archive.offer({ trialId: 5, params: {}, values: [1, 1] });
    archive.offer({ trialId: 6, params: {}, values: [9, Number.NaN] });
    assert.deepEqual(archive.front().map((t) => t.trialId), [2, 3, 4, 1]);
    archive.offer({ trialId: 7, params: {}, values: [3, 3] });
    assert.deepEqual(archive.front(), [{ trialId: 7, params: {}, values: [3, 3] }]);
  });

  it('past its capacity thins the most crowded trials, keeps both ends and counts what it left out', () => {
    const archive = new ParetoArchive(['maximize', 'minimize'], 10);
    // 40 points on one front: x up, y up (y is minimised); the middle ones are the most crowded.
    for (let i = 0; i < 40; i++) archive.offer({ trialId: i + 1, params: {}, values: [i, i * i] });
    const front = archive.front();
    assert.equal(front.length, 10);
    assert.equal(archive.thinned, 30);
    assert.deepEqual([front[0].trialId, front[front.length - 1].trialId], [40, 1]);
    for (const a of front) for (const b of front) assert.ok(!dominates(lossesOf(a.values, ['maximize', 'minimize']), lossesOf(b.values, ['maximize', 'minimize'])));
  });
});

function result(rows: Array<[number, number, number, number | null]>, recommended: number | null): ParetoResult {
  const paretoRows: ParetoRow[] = rows.map(([trialId, sharpe, drawdown, weightedRank]) => ({
    trialId, params: { fast: trialId, kind: trialId === 2 ? '<b>ema</b>' : 'sma' }, values: [sharpe, drawdown], weightedRank, metrics: { sharpe, max_drawdown_pct: drawdown },
  }));
  return {
    objectives: [{ metric: 'sharpe', direction: 'maximize' }, { metric: 'max_drawdown_pct', direction: 'maximize' }],
    rows: paretoRows, recommended, weights: { sharpe: 1, max_drawdown_pct: 1 }, thinned: 0,
  };
}

describe('the Pareto front in summary.md and report.html', () => {
  const pareto = result([[1, 0.9, -30, 4], [2, 0.7, -20, 1], [3, 0.4, -12, null]], 2);
  const trials = [1, 2, 3, 4, 5].map((id) => trial(id, { fast: id, kind: 'sma' }, { sharpe: 1 - id / 5, max_drawdown_pct: -10 - id * 5 }));

  it('recommends the front trial the weighted rank puts highest', () => {
    assert.equal(recommendedOf(pareto.rows), 2);
    assert.equal(recommendedOf(result([[1, 1, 1, null]], null).rows), null);
  });

  it('summary.md lists every front trial with its objectives and says which the weighted rank recommends', () => {
    const md = renderSummaryMarkdown({ sessionId: 's', objective: { metric: 'sharpe', direction: 'maximize' }, trials, pareto });
    assert.match(md, /Objectives: maximize `sharpe`, maximize `max_drawdown_pct` \(a Pareto front; the best trial is by the first\)/);
    assert.match(md, /## Pareto front\n\n3 trials are non-dominated on maximize sharpe, maximize max_drawdown_pct: .* The weighted rank \(max_drawdown_pct 1, sharpe 1\) recommends trial 2\./);
    assert.match(md, /\| 2 \| 2 \| &lt;b&gt;ema&lt;\/b&gt; \| 0\.7 \| -20 \| 1 \| recommended \|/);
    assert.match(md, /\| 3 \| 3 \| sma \| 0\.4 \| -12 \| — \|  \|/);
  });

  it('summary.md lists at most 50 front trials and points to pareto.csv for the rest', () => {
    const many = result(Array.from({ length: 60 }, (_, i): [number, number, number, number] => [i + 1, 1 - i / 100, -40 + i / 2, i + 1]), 1);
    const md = renderSummaryMarkdown({ sessionId: 's', objective: { metric: 'sharpe', direction: 'maximize' }, trials, pareto: many });
    assert.match(md, /… and 10 more in pareto\.csv\./);
    assert.equal(md.split('\n').filter((l) => /^\| \d+ \| \d+ \| /.test(l)).length, 50);
  });

  it('report.html draws the front over every trial on the first two objectives and rings the recommended trial', () => {
    const html = renderReportHtml({ sessionId: 's', objective: { metric: 'sharpe', direction: 'maximize' }, trials, pareto });
    const start = html.indexOf('<section id="pareto">');
    assert.ok(start > 0);
    const section = html.slice(start, html.indexOf('</section>', start));
    assert.match(section, /aria-label="Pareto front of sharpe and max_drawdown_pct"/);
    assert.equal(section.match(/<title>trial \d+: sharpe [^<]+<\/title>/g)?.length, 3, 'one marker per front trial');
    assert.equal(section.match(/<circle cx="[^"]+" cy="[^"]+" r="2\.4"\/>/g)?.length, trials.length, 'every trial drawn faint');
    assert.match(section, /recommended #2/);
    assert.match(section, /sharpe \(higher is better\)/);
    assert.ok(!section.includes('<b>ema'), 'parameter values are escaped');
    assert.match(html, /<span>Pareto front<\/span><b>3 trials<\/b>/);
    assert.match(html, /objectives: maximize sharpe, maximize max_drawdown_pct \(Pareto front\)/);
  });

  it('report.html says the chart is a projection when there are more than two objectives', () => {
    const three: ParetoResult = { ...pareto, objectives: [...pareto.objectives, { metric: 'trades', direction: 'maximize' }], rows: pareto.rows.map((r) => ({ ...r, values: [...r.values, 10] })) };
    const html = renderReportHtml({ sessionId: 's', objective: { metric: 'sharpe', direction: 'maximize' }, trials, pareto: three });
    assert.match(html, /The chart shows the first two objectives only/);
  });

  it('a single-objective report and summary have no Pareto section', () => {
    const html = renderReportHtml({ sessionId: 's', objective: { metric: 'sharpe', direction: 'maximize' }, trials });
    const md = renderSummaryMarkdown({ sessionId: 's', objective: { metric: 'sharpe', direction: 'maximize' }, trials });
    assert.ok(!html.includes('id="pareto"') && !md.includes('Pareto'));
  });
});
