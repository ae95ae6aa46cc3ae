import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatCsv, generateBars } from '../../backtest';
import { describeCase, formatSummary } from '../../harness/fuzz/report';
import { checkCases, runFuzz } from '../../harness/fuzz/run';
import { CASE_DIR, type FileSpec, type FuzzCase } from '../../harness/fuzz/types';

/** The seed of the short run; the full run (`npm run fuzz`) draws a new one each time. */
const SEED = 20261201;

test('300 generated configs, data files, paths and flags each end in exit 0 or 2 with one clear message, writing nothing', async () => {
  const report = await runFuzz({ cases: 300, seed: SEED, shrinkMs: 20_000 });
  assert.equal(report.failedCases, 0, formatSummary(report));
  assert.ok(report.byExit['0'] > 0 && report.byExit['2'] > 0, 'both valid and invalid inputs were generated');
});

const SMA = 'strategy: sma_crossover\nparams:\n  fast: { low: 5, high: 10 }\n  slow: { low: 20, high: 30 }\n';
const PRICES = 'Date,Open,High,Low,Close,Volume\n2015-01-05,100.71,101.78,98.14,98.19,1491001\n2015-01-06,98.15,100.83,98.14,99.92,1309567\n';
const CONFIG = `${CASE_DIR}/campaign.yaml`;

/** A campaign with two bars of data and its outputs in the case folder, plus `extra` files. */
function campaign(yaml: string, ...extra: FileSpec[]): FileSpec[] {
  return [
    { kind: 'text', name: 'campaign.yaml', text: `data: prices.csv\noutput: { dir: "${CASE_DIR}/outputs" }\n${yaml}` },
    { kind: 'text', name: 'prices.csv', text: PRICES },
    ...extra,
  ];
}

const check = (note: string, yaml: string, args: string[] = [], extra: FileSpec[] = []): FuzzCase => ({
  command: 'check',
  files: campaign(yaml, ...extra),
  args: [CONFIG, ...args],
  expect: 'error',
  note,
});

/** Enough bars for sma_crossover's default periods, so only the input under test can fail. */
const LONG_PRICES = formatCsv(generateBars({ seed: 1, bars: 60, interval: '1d', weekends: false, start: '2015-01-05', mu: 0.1, sigma: 0.3, startPrice: 100 }));

const backtest = (note: string, args: string[], extra: FileSpec[] = []): FuzzCase => ({
  command: 'backtest',
  files: [{ kind: 'text', name: 'prices.csv', text: LONG_PRICES }, ...extra],
  args: ['--strategy', 'sma_crossover', ...args],
  expect: 'error',
  note,
});

/** Minimal inputs the fuzzer found failing, kept so that they stay fixed; each must exit 2 with one clear message. */
const REGRESSIONS: FuzzCase[] = [
  backtest('a FIFO as --data hung', ['--data', `${CASE_DIR}/data.fifo`], [{ kind: 'fifo', name: 'data.fifo' }]),
  backtest('a FIFO as --strategy-module hung', ['--data', `${CASE_DIR}/prices.csv`, '--strategy-module', `${CASE_DIR}/module.fifo`], [{ kind: 'fifo', name: 'module.fifo' }]),
  check('a FIFO as strategy module hung', 'strategy: { name: my_strategy, module: ./strategy.fifo }\nparams: { fast: [5] }\n', [], [{ kind: 'fifo', name: 'strategy.fifo' }]),
  check('an empty strategy module printed "got undefined"', 'strategy: { name: my_strategy, module: ./empty.js }\nparams: { fast: [5] }\n', [], [{ kind: 'text', name: 'empty.js', text: '' }]),
  check('an unknown search option passed check', `${SMA}search: { options: { bogus: 1 } }\n`),
  check('"toString" passed as a search option', `${SMA}search: { options: { toString: x } }\n`),
  { ...check('a missing key printed "received undefined"', 'strategy: sma_crossover\n'), files: [{ kind: 'text', name: 'campaign.yaml', text: 'strategy: sma_crossover\nparams: { fast: [5] }\n' }] },
  check('objective "constructor" passed as a metric', `${SMA}objective: constructor\n`),
  check('rank weight "constructor" passed as a metric', `${SMA}rank: { constructor: 1 }\n`),
  check('parameter "constructor" passed for sma_crossover', 'strategy: sma_crossover\nparams: { fast: [5, 10], constructor: [1, 2] }\n'),
  backtest('--param constructor=1 passed', ['--data', `${CASE_DIR}/prices.csv`, '--param', 'constructor=1']),
  { ...check('tpe over a large constrained space was refused', `${SMA.replace('high: 10', 'high: 100000').replace('high: 30', 'high: 100000')}constraints: ["fast < slow"]\nsearch: { algorithm: tpe, trials: 10 }\n`), expect: 'ok' },
  check('--seed "" passed as seed 0', SMA, ['--seed', '']),
  { ...check('a price of 1e400 passed', SMA), files: campaign(SMA).map((f) => (f.kind === 'text' && f.name === 'prices.csv' ? { ...f, text: f.text.replace('100.71', '1e400') } : f)) },
  check('an --output folder name too long to create passed', SMA, ['--output', `${CASE_DIR}/${'x'.repeat(300)}`]),
  check('an --output path with a NUL byte passed', SMA, ['--output', 'a\u0000b']),
  check('a session id with blank lines split the message', SMA, ['--session-id', '\n\nx']),
  check('an objective with blank lines split the message', `${SMA}objective: "a\\n\\nb"\n`),
  check('a constraint with blank lines split the message', `${SMA}constraints: ["fast < slow a\\n\\nb"]\n`),
  check('a file as evaluator.cwd passed', 'evaluator: { command: [python3, evaluate.py], cwd: prices.csv }\nparams: { alpha: [1, 2] }\n'),
];

test('inputs the fuzzer found failing', async () => {
  const found = await checkCases(REGRESSIONS);
  const failing = REGRESSIONS.map((c, k) => ({ c, problems: found[k] })).filter((r) => r.problems.length > 0);
  assert.deepEqual(failing.map((r) => r.c.note), [], failing.map((r) => `${r.problems.join('; ')}\n${describeCase(r.c)}`).join('\n'));
});
