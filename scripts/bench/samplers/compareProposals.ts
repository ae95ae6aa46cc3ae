import { createSampler } from '../../../search';
import { resolveOptions } from '../../../search/options';
import { Prng } from '../../../search/prng';
import { Space } from '../../../search/space';
import { estimators, tpe } from '../../../search/tpe';
import type { ProposeContext } from '../../../search/algorithm';
import { FUNCTIONS, pointOf, spaceOf, type TestFunction } from '../../../harness/bench/samplers/functions';
import { ensureVenv, runOptuna } from '../../../harness/bench/samplers/optuna';
import { fmt, mannWhitneyGreater, quartiles } from '../../../harness/bench/samplers/stats';

/**
 * Feeds tuneflow's TPE and Optuna's TPESampler the same histories and compares what they propose next: the
 * value of the proposed point (its distribution over many seeds), where it lies per dimension, and the EI
 * ranking (log l - log g) of a fixed set of points. Usage, after `npm run build`:
 *   node dist/scripts/bench/samplers/compareProposals.js [function ...] (default: branin hartmann6)
 * Env: DRAWS (proposals per side and history, 1000), SIZES (history lengths, 12,30,60,100), OPTIONS (JSON
 * tpe options for the tuneflow side, e.g. '{"nStartupTrials":10}').
 */

const DRAWS = Number(process.env.DRAWS ?? 1000);
const SIZES = (process.env.SIZES ?? '12,30,60,100').split(',').map(Number);
const OPTIONS = JSON.parse(process.env.OPTIONS ?? '{}') as Record<string, unknown>;
const CANDIDATES = 200;

/** A realistic history: the first `n` trials of a tuneflow TPE run (seed 1000 + n) on the function. */
function historyOf(fn: TestFunction, n: number): [number[], number][] {
  const sampler = createSampler({ algorithm: 'tpe', space: spaceOf(fn), seed: 1000 + n, trials: n, direction: 'minimize' });
  const out: [number[], number][] = [];
  for (let t = sampler.suggest(); t; t = sampler.suggest()) {
    const x = pointOf(fn, t.params);
    const value = fn.f(x);
    sampler.update(t.id, { value });
    out.push([x, value]);
  }
  return out;
}

function ours(fn: TestFunction, history: [number[], number][], candidates: number[][]): { proposals: number[][]; acquisition: number[] } {
  const space = new Space(spaceOf(fn));
  const options = resolveOptions('tpe', tpe.options, OPTIONS);
  const state = tpe.init(space, options, 0);
  const context = (rng: Prng): ProposeContext => ({ space, rng, options, pending: [], feasible: () => true });
  const unit = (x: number[]): number[] => space.encode(Object.fromEntries(x.map((v, i) => [`x${i}`, v])));
  for (const [x, value] of history) tpe.observe(state, unit(x), value, undefined, context(Prng.fromSeed(0)));
  const proposals = Array.from({ length: DRAWS }, (_, r) => {
    const [first] = tpe.propose(state, context(Prng.fromSeed(r)))!;
    return pointOf(fn, space.decode(first!.x));
  });
  const { l, g } = estimators(state, { space, options, pending: [], feasible: () => true });
  const units = candidates.map(unit);
  const ll = l.logPdf(units);
  const lg = g.logPdf(units);
  return { proposals, acquisition: units.map((_, i) => ll[i]! - lg[i]!) };
}

const mean = (v: number[]): number => v.reduce((a, b) => a + b, 0) / v.length;
const argmax = (v: number[]): number => v.reduce((best, x, i) => (x > v[best]! ? i : best), 0);

async function main(): Promise<void> {
  const python = ensureVenv();
  const names = process.argv.slice(2).length ? process.argv.slice(2) : ['branin', 'hartmann6'];
  console.log(`${DRAWS} proposals a side from each history; tuneflow options ${JSON.stringify(OPTIONS)}`);
  for (const name of names) {
    const fn = FUNCTIONS.find((f) => f.name === name);
    if (!fn) throw new Error(`unknown function ${name}; choose among ${FUNCTIONS.map((f) => f.name).join(', ')}`);
    const rng = Prng.fromSeed(7);
    const candidates = Array.from({ length: CANDIDATES }, () => fn.bounds.map(([lo, hi]) => lo + (hi - lo) * rng.float()));
    for (const n of SIZES) {
      const history = historyOf(fn, n);
      const [theirs] = await runOptuna<{ proposals: number[][]; acquisition: number[] }>(python, { kind: 'propose', function: name, history, draws: DRAWS, candidates });
      const mine = ours(fn, history, candidates);
      const fo = mine.proposals.map((x) => fn.f(x));
      const ft = theirs!.proposals.map((x) => fn.f(x));
      const [qo, qt] = [quartiles(fo), quartiles(ft)];
      const acqDiff = Math.max(...mine.acquisition.map((a, i) => Math.abs(a - theirs!.acquisition[i]!)));
      const best = Math.min(...history.map(([, v]) => v));
      console.log(
        `\n${fn.label}, history of ${n} (best ${fmt(best)}): f(proposal) mean ${fmt(mean(fo))} vs Optuna ${fmt(mean(ft))}, ` +
          `quartiles ${qo.map(fmt).join('/')} vs ${qt.map(fmt).join('/')}, p(tuneflow worse) ${mannWhitneyGreater(fo, ft).toFixed(4)}, ` +
          `p(better) ${mannWhitneyGreater(ft, fo).toFixed(4)}; share below the best so far ${(fo.filter((v) => v < best).length / DRAWS).toFixed(3)} vs ${(ft.filter((v) => v < best).length / DRAWS).toFixed(3)}`,
      );
      console.log(`  EI of ${CANDIDATES} fixed points: largest difference ${acqDiff.toExponential(2)}, same best point: ${argmax(mine.acquisition) === argmax(theirs!.acquisition)}`);
      fn.bounds.forEach((_, j) => {
        const [o, t] = [mine.proposals.map((x) => x[j]!), theirs!.proposals.map((x) => x[j]!)];
        const q = (v: number[]): string => quartiles(v).map(fmt).join('/');
        console.log(`  x${j}: mean ${fmt(mean(o))} vs ${fmt(mean(t))}, quartiles ${q(o)} vs ${q(t)}`);
      });
    }
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
