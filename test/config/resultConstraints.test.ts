import assert from 'node:assert/strict';
import { test } from 'node:test';
import { succeededRecord } from '../../activities/trialRecords';
import { parseResultConstraints, violatedConstraints, violationNote, ViolationTally } from '../../config/resultConstraints';
import { InputError } from '../../errors';

test('result constraints parse like parameter constraints and name the metrics they read', () => {
  const [drawdown, trades, ratio] = parseResultConstraints(['max_drawdown_pct > -30', 'trades >= 20', '0 < return_pct / (0 - max_drawdown_pct) <= 10']);
  assert.deepEqual(drawdown.metrics, ['max_drawdown_pct']);
  assert.deepEqual(trades.metrics, ['trades']);
  assert.deepEqual(ratio.metrics.sort(), ['max_drawdown_pct', 'return_pct']);
  for (const [text, message] of [
    ['trades = 20', /result_constraints\[0\]`: cannot parse constraint "trades = 20": unexpected "=" at position 8 \(did you mean "=="\?\)/],
    ['trades >=', /result_constraints\[0\]`: cannot parse constraint "trades >=": expected a number, a parameter name or "\(" at the end/],
    ['process.exit(1) > 0', /result_constraints\[0\]`: cannot parse constraint/],
    ['sharpe', /expected a comparison/],
  ] as const) {
    assert.throws(() => parseResultConstraints([text]), (err: unknown) => err instanceof InputError && message.test(err.message), text);
  }
});

test('a trial breaks a constraint its metrics fail, or one that reads a metric it lacks or leaves undefined', () => {
  const constraints = parseResultConstraints(['max_drawdown_pct > -30', 'trades >= 20', 'sharpe > 0']);
  const texts = (metrics: Record<string, number | null>) => violatedConstraints(constraints, metrics).map((c) => c.text);
  assert.deepEqual(texts({ max_drawdown_pct: -12, trades: 20, sharpe: 0.4 }), []);
  assert.deepEqual(texts({ max_drawdown_pct: -30, trades: 19, sharpe: 0.4 }), ['max_drawdown_pct > -30', 'trades >= 20']);
  assert.deepEqual(texts({ max_drawdown_pct: -1, trades: 40, sharpe: null }), ['sharpe > 0'], 'an undefined value is not trusted');
  assert.deepEqual(texts({ trades: 40, sharpe: 1 }), ['max_drawdown_pct > -30'], 'a missing metric is not trusted');
  assert.equal(violationNote(constraints[1], { trades: 12 }), 'not ranked: violates result constraint "trades >= 20" (trades = 12)');
  assert.equal(violationNote(constraints[2], { sharpe: null }), 'not ranked: violates result constraint "sharpe > 0" (sharpe = undefined)');
});

test('a tally counts trials that broke any constraint, and each constraint on its own', () => {
  const tally = new ViolationTally(parseResultConstraints(['trades >= 20', 'sharpe > 0']));
  assert.equal(tally.offer({ trades: 30, sharpe: 1 }), false);
  assert.equal(tally.offer({ trades: 3, sharpe: -1 }), true);
  assert.equal(tally.offer({ trades: 3, sharpe: 1 }), true);
  assert.deepEqual(tally.counts(), { trials: 2, byConstraint: [{ constraint: 'trades >= 20', trials: 2 }, { constraint: 'sharpe > 0', trials: 1 }] });
});

test('a record that breaks a result constraint keeps its metrics, has no objective, and says which constraint and why', () => {
  const trial = { sessionId: 's', trialId: 7, params: { fast: 5 }, objective: { metric: 'sharpe' }, resultConstraints: ['max_drawdown_pct > -30', 'trades >= 20'] };
  const broken = succeededRecord(trial, { sharpe: 1.2, max_drawdown_pct: -41.5, trades: 25 }, 1, 'w', 3);
  assert.equal(broken.status, 'succeeded');
  assert.equal(broken.objective, null);
  assert.equal(broken.metrics.sharpe, 1.2);
  assert.equal(broken.note, 'not ranked: violates result constraint "max_drawdown_pct > -30" (max_drawdown_pct = -41.5)');
  const kept = succeededRecord(trial, { sharpe: 1.2, max_drawdown_pct: -20, trades: 25 }, 1, 'w', 3);
  assert.equal(kept.objective, 1.2);
  assert.equal(kept.note, undefined);
  const tooFew = succeededRecord({ ...trial, minTrades: 30 }, { sharpe: 1.2, max_drawdown_pct: -41.5, trades: 25 }, 1, 'w', 3);
  assert.equal(tooFew.note, 'not ranked: 25 trades < min_trades 30', 'min_trades is checked first, as before');
  const none = succeededRecord({ ...trial, resultConstraints: undefined }, { sharpe: 1.2, max_drawdown_pct: -41.5, trades: 25 }, 1, 'w', 3);
  assert.equal(none.objective, 1.2, 'without constraints nothing changes');
});
