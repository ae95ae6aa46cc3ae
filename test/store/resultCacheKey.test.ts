import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, it } from 'node:test';
import { canonicalJson, resultCacheKey, trialCacheKey, type BacktestIdentity } from '../../store/resultCacheKey';
import { loadSessionSpec } from '../../config/load';
import type { BacktestEvaluatorSpec } from '../../types/session';
import { InputError } from '../../errors';
import { makeCampaign, SMA_GRID } from '../helpers/campaign';

const IDENTITY: BacktestIdentity = {
  engine: 'e'.repeat(64),
  strategy: 'sma_crossover',
  module: null,
  data: 'd'.repeat(64),
  cash: 10_000,
  commission: 0.001,
  window: null,
  params: { fast: 5, slow: 20 },
};

describe('result cache key', () => {
  it('is the same for equal identities built in any key order', () => {
    const reordered: BacktestIdentity = {
      params: { slow: 20, fast: 5 }, window: null, commission: 0.001, cash: 10_000, data: 'd'.repeat(64), module: null, strategy: 'sma_crossover', engine: 'e'.repeat(64),
    };
    assert.equal(resultCacheKey(reordered), resultCacheKey(IDENTITY));
    assert.match(resultCacheKey(IDENTITY), /^[0-9a-f]{64}$/);
    assert.equal(canonicalJson({ b: [{ y: 1, x: 2 }], a: 'z' }), '{"a":"z","b":[{"x":2,"y":1}]}');
  });

  it('changes with every input', () => {
    const variants: Array<Partial<BacktestIdentity>> = [
      { engine: 'f'.repeat(64) },
      { strategy: 'rsi_reversion' },
      { module: 'a'.repeat(64) },
      { data: 'c'.repeat(64) },
      { cash: 10_001 },
      { commission: 0.002 },
      { window: { start: 0, end: 100 } },
      { timezone: 'Europe/Berlin' },
      { timeframe: '4h' },
      { params: { fast: 5, slow: 21 } },
      { params: { fast: 5, slow: 20, extra: true } },
      { params: { fast: '5', slow: 20 } },
    ];
    const keys = new Set([resultCacheKey(IDENTITY), ...variants.map((v) => resultCacheKey({ ...IDENTITY, ...v }))]);
    assert.equal(keys.size, variants.length + 1);
  });

  it('leaves out an absent zone and timeframe, so keys of sessions without them stay as they were', () => {
    assert.equal(resultCacheKey({ ...IDENTITY, timezone: undefined, timeframe: undefined }), resultCacheKey(IDENTITY));
    assert.equal(canonicalJson({ ...IDENTITY, timezone: undefined }).includes('timezone'), false);
  });

  it("of a session's trial follows its data file's bytes, not its path or mtime", () => {
    const campaign = makeCampaign(`${SMA_GRID}cache: {}\n`);
    const spec = loadSessionSpec(campaign.config, { sessionId: 'cache-key' }).evaluator as BacktestEvaluatorSpec;
    const params = { fast: 5, slow: 20 };
    const first = trialCacheKey(spec, params);
    assert.notEqual(first, null);
    assert.equal(trialCacheKey(spec, { slow: 20, fast: 5 }), first);
    assert.notEqual(trialCacheKey({ ...spec, window: { start: 50, end: 300 } }, params), first);
    assert.notEqual(trialCacheKey({ ...spec, commission: 0 }, params), first);
    assert.equal(trialCacheKey({ ...spec, cache: undefined }, params), null, 'no cache: no key');

    const copy = `${campaign.data}.copy.csv`;
    fs.copyFileSync(campaign.data, copy);
    assert.equal(trialCacheKey({ ...spec, dataPath: copy }, params), first, 'the same bytes elsewhere');
    fs.appendFileSync(copy, fs.readFileSync(campaign.data, 'utf8').split('\n')[1] + '\n');
    assert.notEqual(trialCacheKey({ ...spec, dataPath: copy }, params), first, 'edited data');
    assert.equal(trialCacheKey({ ...spec, dataPath: `${campaign.data}.missing` }, params), null, 'a missing file runs the trial, which reports it');
  });
});

describe('cache: in the campaign YAML', () => {
  it('defaults to 100,000 entries and is absent without the key', () => {
    const campaign = makeCampaign(`${SMA_GRID}cache: {}\n`);
    assert.deepEqual((loadSessionSpec(campaign.config, { sessionId: 'c1' }).evaluator as BacktestEvaluatorSpec).cache, { maxEntries: 100_000 });
    const off = makeCampaign(`${SMA_GRID}cache: { enabled: false, max_entries: 5 }\n`);
    assert.equal((loadSessionSpec(off.config, { sessionId: 'c2' }).evaluator as BacktestEvaluatorSpec).cache, undefined);
    const none = makeCampaign(SMA_GRID);
    assert.equal((loadSessionSpec(none.config, { sessionId: 'c3' }).evaluator as BacktestEvaluatorSpec).cache, undefined);
  });

  it('is refused for an external evaluator, and with a bad bound', () => {
    const command = makeCampaign(`evaluator: { command: ["node", "eval.js"] }\nparams:\n  x: { type: int, low: 1, high: 3 }\nobjective: { metric: score, direction: maximize }\ncache: {}\n`);
    assert.throws(() => loadSessionSpec(command.config, { sessionId: 'c4' }), (err: Error) => err instanceof InputError && /`cache` keeps results of the built-in engine/.test(err.message));
    const zero = makeCampaign(`${SMA_GRID}cache: { max_entries: 0 }\n`);
    assert.throws(() => loadSessionSpec(zero.config, { sessionId: 'c5' }), (err: Error) => err instanceof InputError && /max_entries/.test(err.message));
  });
});
