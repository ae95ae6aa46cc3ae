import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import {
  checkStrategyParams, generateBars, getStrategy, listStrategies, loadStrategyModule, moduleRef, registerStrategy, resolveParams,
  resolveStrategy, runBacktest, Target, type StrategyDef,
} from '../../backtest';
import { InputError, InvalidParametersError } from '../../errors';

const bars = generateBars({ seed: 21, bars: 800, interval: '1d', weekends: false, start: '2015-01-05', mu: 0.1, sigma: 0.35, startPrice: 50 });
const options = { cash: 10_000, commission: 0.001 };

test('six built-in strategies, each declaring typed parameters and trading on its defaults', () => {
  const names = listStrategies().map((s) => s.name);
  for (const name of ['sma_crossover', 'ema_crossover', 'rsi_reversion', 'bollinger_breakout', 'macd', 'donchian_breakout']) {
    assert.ok(names.includes(name), name);
    const def = getStrategy(name);
    for (const spec of Object.values(def.params)) assert.ok(['int', 'float', 'categorical'].includes(spec.type));
    const { metrics, trades } = runBacktest(bars, def, {}, options);
    assert.ok(metrics.trades > 0, `${name} trades`);
    const lookback = def.lookback(resolveParams(def, {}));
    assert.ok(trades.every((t) => t.entryBar > lookback + 1), `${name} waits for its warm-up`);
  }
});

test('invalid parameter sets are InvalidParametersError with a clear message', () => {
  const sma = getStrategy('sma_crossover');
  assert.throws(() => resolveParams(sma, { fast: 30, slow: 30 }), { name: 'InvalidParametersError', message: /fast < slow must hold, got fast=30 slow=30/ });
  assert.throws(() => resolveParams(sma, { fast: 10, slow: 900 }, bars.length), { name: 'InvalidParametersError', message: /need 900 bars .* data has 800/ });
  assert.throws(() => resolveParams(sma, { fast: 2.5 }), { message: /fast=2.5 must be a whole number/ });
  assert.throws(() => resolveParams(sma, { slwo: 20 }), { message: /unknown parameter "slwo" \(did you mean "slow"\?\)/ });
  assert.throws(() => resolveParams(getStrategy('rsi_reversion'), { lower: 80, upper: 70 }), InvalidParametersError);
  assert.throws(() => runBacktest(bars, 'macd', { fast: 30, slow: 12 }, options), InvalidParametersError);
});

test('unknown strategies are input errors that suggest a name', () => {
  assert.throws(() => getStrategy('sma_crosover'), (err: unknown) => err instanceof InputError && /did you mean "sma_crossover"/.test(err.message));
  assert.throws(() => checkStrategyParams('sma_crossover', ['fast', 'period']), { message: /no parameter "period"/ });
  checkStrategyParams('sma_crossover', ['fast', 'slow']);
});

const everyNBars: StrategyDef<{ every: number }> = {
  name: 'test_every_n',
  description: 'Alternates long and short every n bars.',
  params: { every: { type: 'int', default: 10, min: 1, max: 1000, description: 'bars between flips' } },
  lookback: () => 0,
  signals: (_indicators, p, out) => {
    for (let i = 1; i < out.length; i++) if (i % p.every === 0) out[i] = (i / p.every) % 2 ? Target.Long : Target.Short;
  },
};

test('registered strategies run like built-ins; built-in names are protected', () => {
  registerStrategy(everyNBars);
  assert.equal(runBacktest(bars, 'test_every_n', { every: 50 }, options).metrics.trades, 15);
  assert.throws(() => registerStrategy({ ...getStrategy('macd') }), { message: /built-in/ });
  assert.throws(() => registerStrategy({ ...everyNBars, lookback: undefined } as unknown as StrategyDef), InputError);
});

test('loadStrategyModule loads, validates and registers .js and .ts modules', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tuneflow-strategy-'));
  const body = (name: string) => `{
    name: '${name}', description: 'long after n rising closes',
    params: { n: { type: 'int', default: 3, min: 1, max: 50, description: 'rising closes' } },
    lookback: (p) => p.n,
    signals: (ind, p, out) => {
      const c = ind.bars.close;
      for (let i = p.n; i < out.length; i++) {
        let rising = true;
        for (let k = i - p.n + 1; k <= i; k++) rising = rising && c[k] > c[k - 1];
        if (rising) out[i] = 1; else if (c[i] < c[i - 1]) out[i] = 2;
      }
    },
  }`;
  const js = path.join(dir, 'rising.js');
  fs.writeFileSync(js, `module.exports = ${body('user_rising_js')};\n`);
  const ts = path.join(dir, 'rising.ts');
  fs.writeFileSync(ts, `const limit: number = 50;\nexport default ${body('user_rising_ts').replace('max: 50', 'max: limit')};\n`);
  for (const [file, name] of [[js, 'user_rising_js'], [ts, 'user_rising_ts']]) {
    assert.equal(loadStrategyModule(file).name, name);
    assert.ok(runBacktest(bars, name, { n: 2 }, options).metrics.trades > 0);
  }
  checkStrategyParams('user_rising_ts', ['n'], moduleRef(ts));

  const bad = path.join(dir, 'bad.js');
  fs.writeFileSync(bad, `module.exports = { name: 'bad', description: '', params: { n: { type: 'int', default: 0, min: 1, max: 5, description: '' } }, lookback: () => 0, signals() {} };\n`);
  assert.throws(() => loadStrategyModule(bad), { name: 'InputError', message: /bad.js: bad: parameter "n" needs min <= default <= max/ });
  assert.throws(() => loadStrategyModule(path.join(dir, 'none.js')), { name: 'InputError', message: /not found/ });
});

test('strategy modules load by content: two modules sharing a strategy name stay apart, an edit is refused for the old session', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tuneflow-modules-'));
  // Two sessions' modules, both named "same_name", differing only in which way they trade.
  const module = (direction: number) =>
    `module.exports = { name: 'same_name', description: '', params: { n: { type: 'int', default: 2, min: 1, max: 10, description: '' } },
      lookback: (p) => p.n, signals(ind, p, out) { out.fill(${direction}); } };\n`;
  const a = path.join(dir, 'a.js');
  const b = path.join(dir, 'b.js');
  fs.writeFileSync(a, module(1));
  fs.writeFileSync(b, module(2));
  const refA = moduleRef(a);
  const refB = moduleRef(b);
  const tradeA = runBacktest(bars, resolveStrategy('same_name', refA), { n: 2 }, options).metrics.return_pct;
  const tradeB = runBacktest(bars, resolveStrategy('same_name', refB), { n: 2 }, options).metrics.return_pct;
  assert.notEqual(tradeA, tradeB, 'each session runs its own module');
  assert.equal(runBacktest(bars, resolveStrategy('same_name', refA), { n: 2 }, options).metrics.return_pct, tradeA, 'loading b did not replace a');
  assert.throws(() => getStrategy('same_name'), /Unknown strategy/, 'session modules never enter the global registry');

  fs.writeFileSync(b, module(1) + '// edited\n');
  assert.equal(resolveStrategy('same_name', refB).name, 'same_name', 'a cached version keeps serving its session');
  const fresh = { path: b, sha256: refB.sha256.replace(/^./, (c) => (c === '0' ? '1' : '0')) };
  assert.throws(() => resolveStrategy('same_name', fresh), { name: 'InputError', message: /changed after the session was configured/ });
  assert.equal(runBacktest(bars, resolveStrategy('same_name', moduleRef(b)), { n: 2 }, options).metrics.return_pct, tradeA, 'a new session picks up the edit');
  assert.throws(() => resolveStrategy('other', moduleRef(a)), { name: 'InputError', message: /defines strategy "same_name", not "other"/ });
  assert.throws(() => resolveStrategy('same_name', { path: path.join(dir, 'gone.js'), sha256: '0'.repeat(64) }), { name: 'InputError', message: /not found/ });
});
