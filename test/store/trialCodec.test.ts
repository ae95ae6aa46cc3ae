import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bucketEntries, bucketEntry, decodeTrial, encodeTrial, namesOf, type NameDictionary, type NameKind } from '../../store/redis/codec';
import type { TrialRecord } from '../../types/trial';

function dictionaryFor(records: TrialRecord[]): NameDictionary {
  const byKind = new Map<NameKind, string[]>();
  for (const r of records) {
    for (const [kind, name] of namesOf(r)) {
      const names = byKind.get(kind) ?? [];
      if (!names.includes(name)) names.push(name);
      byKind.set(kind, names);
    }
  }
  return {
    indexOf: (kind, name) => {
      const i = byKind.get(kind)?.indexOf(name) ?? -1;
      return i < 0 ? undefined : i;
    },
    nameOf: (kind, index) => byKind.get(kind)?.[index],
  };
}

const base: TrialRecord = {
  sessionId: 's', trialId: 7, params: { fast: 10, slow: 30 }, status: 'succeeded',
  metrics: { equity_final: 4181.029999999993, sharpe: -0.34310245124655503, trades: 86, max_drawdown_duration: 1928, kelly: null },
  objective: -0.34310245124655503, attempt: 1, workerId: 'worker-a', durationMs: 12.345, finishedAt: '2026-01-02T03:04:05.678Z',
};

describe('trial codec', () => {
  const cases: [string, TrialRecord][] = [
    ['a backtest result', base],
    ['parameters of every kind', { ...base, params: { mode: 'a,"b"\n', on: true, off: false, ratio: 0.1, big: 2 ** 53 - 1, neg: -3, half: 0.5, zero: -0 } }],
    ['an objective that is no metric (min_trades)', { ...base, objective: 1.5, note: 'not ranked: 2 trades < min_trades 3' }],
    ['a failure', { ...base, status: 'failed', metrics: {}, objective: null, workerId: '', error: 'Error: boom ✗', attempt: 3 }],
    ['special numbers', { ...base, metrics: { a: Infinity, b: -Infinity, c: NaN, d: 1e300, e: -1e-300 }, objective: null }],
    ['a result taken from the result cache', { ...base, cached: true, durationMs: 0.09 }],
    ['a pruned trial, with its stage and objective there', { ...base, status: 'pruned', objective: null, note: 'pruned after stage 2 of 4: sharpe -0.3431 is below 0.1', pruned: { stage: 2, value: -0.34310245124655503 } }],
  ];
  for (const [what, record] of cases) {
    it(`gives back ${what} as it was`, () => {
      const dict = dictionaryFor([record]);
      assert.deepEqual(decodeTrial(encodeTrial(record, dict), record.sessionId, record.trialId, dict), record);
    });
  }

  it('keeps a realistic record near 9 bytes per non-integer metric', () => {
    const metrics: Record<string, number> = {};
    for (let i = 0; i < 23; i++) metrics[`m${i}`] = i < 2 ? 100 + i : Math.PI * (i + 1);
    const record = { ...base, params: { a: 10, b: 20, c: 0.5 }, metrics, objective: metrics.m5 };
    const bytes = encodeTrial(record, dictionaryFor([record]));
    assert.ok(bytes.length < 21 * 9 + 40, `${bytes.length} bytes`);
  });

  it('splits a bucket back into its entries', () => {
    const a = Buffer.from([1, 2, 3]), b = Buffer.alloc(200, 9);
    const entries = bucketEntries(Buffer.concat([bucketEntry(16 * 3 + 2, a), bucketEntry(16 * 3 + 15, b)]));
    assert.deepEqual([...entries.keys()], [2, 15]);
    assert.deepEqual(entries.get(15), b);
  });
});
