import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { paramImportance } from '../analysis';
import { Prng } from '../search/prng';
import type { Params, SearchSpace } from '../search/types';
import type { TrialRecord } from '../types/trial';
import { ensureVenv, runPython } from '../harness/python';
import { PROJECT_ROOT } from '../services/paths';

/**
 * `npm run bench:importance [-- --trials N]`: tuneflow's fANOVA importance beside Optuna's
 * (`FanovaImportanceEvaluator`, in a throw-away venv under .tuneflow/) on one case whose true importances
 * are known: an additive objective over random trials, so each parameter's share of the variance is exact.
 */
const SPACE: SearchSpace = {
  a: { type: 'float', low: 0, high: 1 },
  b: { type: 'float', low: 0, high: 1 },
  c: { type: 'float', low: 0, high: 1 },
  lr: { type: 'float', low: 1e-3, high: 1, log: true },
  kind: { type: 'categorical', choices: ['sma', 'ema'] },
  unused: { type: 'int', low: 1, high: 100 },
};

/** 4a + 2b + c + log10(lr) / 2 + [kind = ema]; `unused` does nothing. */
function objective(p: Params): number {
  return 4 * (p.a as number) + 2 * (p.b as number) + (p.c as number) + Math.log10(p.lr as number) / 2 + (p.kind === 'ema' ? 1 : 0);
}

/** Variances of the additive terms as the trials are sampled: uniform a, b, c, log10 lr uniform over 3 decades, a fair coin. */
const TERM_VARIANCE: Record<string, number> = { a: 16 / 12, b: 4 / 12, c: 1 / 12, lr: 0.25 * (9 / 12), kind: 0.25, unused: 0 };

const SEEDS = [0, 1, 2];

function makeTrials(n: number): TrialRecord[] {
  const rng = Prng.fromSeed(2024);
  return Array.from({ length: n }, (_, i) => {
    const params: Params = {
      a: rng.float(), b: rng.float(), c: rng.float(), lr: 10 ** (-3 * rng.float()),
      kind: rng.float() < 0.5 ? 'sma' : 'ema', unused: 1 + rng.below(100),
    };
    const value = objective(params);
    return { sessionId: 'importance', trialId: i + 1, params, status: 'succeeded', metrics: { value }, objective: value,
      attempt: 1, workerId: 'bench', durationMs: 0, finishedAt: new Date(0).toISOString() };
  });
}

function summarise(values: number[]): string {
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  return `${mean.toFixed(3)} [${Math.min(...values).toFixed(3)}–${Math.max(...values).toFixed(3)}]`;
}

function main(): void {
  const at = process.argv.indexOf('--trials');
  const n = at > 0 ? Number(process.argv[at + 1]) : 400;
  const trials = makeTrials(n);

  const runOurs = (space: SearchSpace) => SEEDS.map((seed) => {
    const started = performance.now();
    const imp = paramImportance(trials, { space, seed });
    return { imp: Object.fromEntries(imp.map((i) => [i.param, i.importance])), seconds: (performance.now() - started) / 1000 };
  });
  const ours = runOurs(SPACE);
  // Optuna's fANOVA measures log parameters on their linear scale; the same footing, for comparison.
  const oursLinear = runOurs(Object.fromEntries(Object.entries(SPACE).map(([p, d]) => [p, d.type === 'categorical' ? d : { ...d, log: false }])));

  const requirements = fs.readFileSync(path.join(PROJECT_ROOT, 'scripts', 'bench', 'importance', 'requirements.txt'), 'utf8').split('\n').filter(Boolean);
  const python = ensureVenv('venv-importance', requirements);
  const caseFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tuneflow-importance-')), 'case.json');
  fs.writeFileSync(caseFile, JSON.stringify({ space: SPACE, direction: 'maximize', seeds: SEEDS, trials: trials.map((t) => ({ params: t.params, value: t.objective })) }));
  const optuna = JSON.parse(runPython(python, path.join(PROJECT_ROOT, 'scripts', 'bench', 'importance', 'optuna_importance.py'), [caseFile])) as {
    optuna: string;
    runs: Record<string, { importances: Record<string, number>; seconds: number }>;
  };
  fs.rmSync(path.dirname(caseFile), { recursive: true, force: true });
  const theirs = SEEDS.map((s) => optuna.runs[String(s)]);

  const total = Object.values(TERM_VARIANCE).reduce((s, v) => s + v, 0);
  const names = Object.keys(SPACE).sort((p, q) => TERM_VARIANCE[q] - TERM_VARIANCE[p]);
  const rows = names.map((p) => [p, (TERM_VARIANCE[p] / total).toFixed(3), summarise(ours.map((o) => o.imp[p])),
    summarise(oursLinear.map((o) => o.imp[p])), summarise(theirs.map((o) => o.importances[p] ?? 0))]);
  const widths = [8, 7, 22, 22, 22];
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ');
  console.log(`${n} random trials of 4a + 2b + c + log10(lr)/2 + [kind=ema]; seeds ${SEEDS.join(', ')}: mean [min–max]`);
  console.log(line(['param', 'truth', 'tuneflow', 'tuneflow, linear lr', `Optuna ${optuna.optuna} fANOVA`]));
  for (const row of rows) console.log(line(row));
  const seconds = (xs: number[]) => (xs.reduce((s, v) => s + v, 0) / xs.length).toFixed(2);
  console.log(line(['seconds', '', seconds(ours.map((o) => o.seconds)), seconds(oursLinear.map((o) => o.seconds)), seconds(theirs.map((o) => o.seconds))]));
}

main();
