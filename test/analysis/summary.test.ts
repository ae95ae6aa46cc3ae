import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderSummaryMarkdown } from '../../analysis';
import { demoReportInput } from './demoReport';
import { trial } from './fixtures';

describe('renderSummaryMarkdown', () => {
  it('has every section a session produced, best trial first', () => {
    const input = demoReportInput();
    const md = renderSummaryMarkdown({ ...input, ranking: { ...input.ranking!, minTrades: 10 } });
    const order = ['# Session demo-sma-crossover', '## Best trial', '## Weighted rank', '## Parameter importance', '## Sensitivity', '## Walk-forward', '### Parameter drift', '### Recommended parameters'];
    const at = order.map((h) => md.indexOf(h));
    assert.ok(at.every((i, k) => i >= 0 && (k === 0 || i > at[k - 1])), JSON.stringify(at));
    assert.match(md, /Trials: 400 \(390 succeeded, 10 failed\)/);
    assert.match(md, /n\/a \(IS return ≤ 0\)/, 'the losing in-sample split shows no WFE');
    assert.match(md, /\| slow \|/);
  });

  it('keeps user text inside its table cell', () => {
    const md = renderSummaryMarkdown({
      sessionId: 'x', objective: { metric: 'sharpe', direction: 'maximize' },
      trials: [trial(1, { mode: 'a|b<script>' }, { sharpe: 1 })],
    });
    assert.match(md, /\| mode \| a\\\|b&lt;script&gt; \|/);
    assert.ok(!md.includes('<script>'));
  });

  it('says so when no trial succeeded', () => {
    const md = renderSummaryMarkdown({ sessionId: 'x', objective: { metric: 'sharpe', direction: 'maximize' }, trials: [trial(1, {}, {}, 'sharpe', 'failed')] });
    assert.match(md, /No trial succeeded/);
  });
});
