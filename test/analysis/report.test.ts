import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderReportHtml } from '../../analysis';
import { demoReportInput } from './demoReport';
import { demoTrials, trial } from './fixtures';

describe('renderReportHtml', () => {
  const html = renderReportHtml(demoReportInput());

  it('references nothing outside the file', () => {
    assert.ok(!/https?:\/\//i.test(html), 'no http(s) URL anywhere');
    assert.ok(!/<link\b/i.test(html) && !/\ssrc\s*=/i.test(html) && !/@import|url\(/i.test(html), 'no external scripts, styles, fonts or images');
    assert.equal(html.match(/<script\b/g)?.length, 1, 'one inline script');
  });

  it('draws every chart the session has data for', () => {
    for (const id of ['best', 'ranking', 'history', 'equity', 'importance', 'heatmap', 'slices', 'walk-forward']) assert.ok(html.includes(`<section id="${id}">`), id);
    assert.equal(html.match(/<option /g)?.length, 6, 'one heatmap per pair of 4 parameters');
    assert.equal(html.match(/<figure data-pair=/g)?.length, 6);
    assert.ok(html.length < 1_500_000, `${html.length} bytes`);
  });

  it('escapes user strings, a <script> in a parameter value included', () => {
    const evil = '</script><script>alert(1)</script>';
    const trials = [trial(1, { 'na"me': evil, x: 1 }, { sharpe: 1 }), trial(2, { 'na"me': 'ok', x: 2 }, { sharpe: 2 })];
    const out = renderReportHtml({ sessionId: '<img onerror=x>', objective: { metric: 'sharpe', direction: 'maximize' }, trials, title: '<b>t</b>' });
    assert.ok(!out.includes('<script>alert'), 'no injected script');
    assert.ok(!out.includes('<img') && !out.includes('<b>t'), 'no injected markup');
    assert.ok(out.includes('&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;'));
    assert.equal(out.match(/<script\b/g)?.length, 1);
  });

  it('draws at most maxPoints trials however many there are', () => {
    const many = renderReportHtml({ sessionId: 'big', objective: { metric: 'sharpe', direction: 'maximize' }, trials: demoTrials(8000) });
    const history = many.slice(many.indexOf('<section id="history">'), many.indexOf('</section>', many.indexOf('<section id="history">')));
    const dots = history.match(/<circle /g)?.length ?? 0;
    assert.ok(dots > 4000 && dots <= 5100, `${dots} dots`);
    assert.match(history, /of 7784 trials drawn/);
  });
});
