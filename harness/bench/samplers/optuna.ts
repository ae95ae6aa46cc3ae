import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT, tuneflowHome } from '../../../services/paths';

/** Versions the published numbers were measured with. */
export const PACKAGES = ['optuna==5.0.0', 'cmaes==0.13.1'];
/** Optuna processes at once: its TPE at 300 trials is the slow part of the benchmark, on 2 shared cores. */
export const PROCESSES = 2;
/** Seeds per Optuna process: enough to pay for its start, few enough to spread the work over both processes. */
const SEEDS_PER_JOB = 10;

/** A throw-away virtualenv under .tuneflow (git-ignored) holding Optuna; created on first use. */
export function ensureVenv(): string {
  const venv = path.join(tuneflowHome(), 'venv-samplers');
  const python = path.join(venv, 'bin', 'python');
  const ready = path.join(venv, `.installed-${PACKAGES.join('-')}`);
  if (fs.existsSync(ready)) return python;
  console.log(`creating ${venv} with ${PACKAGES.join(' ')} ...`);
  const steps: [string, string[]][] = [
    ['python3', ['-m', 'venv', venv]],
    [python, ['-m', 'pip', 'install', '--quiet', ...PACKAGES]],
  ];
  for (const [cmd, args] of steps) {
    const r = spawnSync(cmd, args, { stdio: 'inherit' });
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.status}); Optuna's side needs python3 with venv and pip`);
  }
  fs.writeFileSync(ready, '');
  return python;
}

/**
 * Runs one job of optuna_bench.py (at nice 10, so that the tuneflow side and other work keep their share) and
 * returns its JSON lines; `onLine` sees each as soon as it is printed.
 */
export function runOptuna<T>(python: string, job: object, onLine: (line: T) => void = () => {}): Promise<T[]> {
  const cwd = path.join(PROJECT_ROOT, 'scripts', 'bench', 'samplers');
  return new Promise((resolve, reject) => {
    // No __pycache__ beside the sources.
    const env = { ...process.env, PYTHONDONTWRITEBYTECODE: '1' };
    const child = spawn('nice', ['-n', '10', python, 'optuna_bench.py'], { cwd, env, stdio: ['pipe', 'pipe', 'inherit'] });
    const lines: T[] = [];
    let buffered = '';
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const complete = buffered.split('\n');
      buffered = complete.pop() ?? '';
      for (const text of complete.filter(Boolean)) {
        const line = JSON.parse(text) as T;
        lines.push(line);
        onLine(line);
      }
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`optuna_bench.py exited with ${code} for ${JSON.stringify(job).slice(0, 200)}`));
      else resolve(lines);
    });
    child.stdin.end(JSON.stringify(job));
  });
}

/** Runs tasks with at most `limit` at once, keeping the results in order. */
export async function pool<T>(tasks: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return results;
}

/** One Optuna sampler on one objective; `table` is the finite objective's every value (see objectives.ts). */
export interface OptunaCell {
  function: string;
  sampler: string;
  table: object | null;
}

/**
 * Where one Optuna run's result is kept: .tuneflow/bench-cache/samplers/<versions>/, one JSON file per
 * (function, sampler, seed, trials); a table objective's name carries a hash of its values, so that other
 * data never reuses a run.
 */
function cacheFile(cell: OptunaCell, seed: number, trials: number): string {
  const versions = PACKAGES.join('-').replace(/==/g, '-');
  const table = cell.table ? `-${createHash('sha256').update(JSON.stringify(cell.table)).digest('hex').slice(0, 12)}` : '';
  return path.join(tuneflowHome(), 'bench-cache', 'samplers', versions, `${cell.sampler}-${cell.function}${table}-t${trials}-s${seed}.json`);
}

function writeAtomically(file: string, value: unknown): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temp, JSON.stringify(value));
  fs.renameSync(temp, file);
}

/**
 * The best value after each trial of every (cell, seed) run, in the order of `cells` and `seeds`: read from the
 * cache, and what is missing run by Optuna ({@link PROCESSES} processes at most) and cached as each run ends.
 */
export async function optunaBest(python: string, cells: readonly OptunaCell[], seeds: readonly number[], trials: number): Promise<number[][][]> {
  const jobs = cells.flatMap((cell) => {
    const missing = seeds.filter((seed) => !fs.existsSync(cacheFile(cell, seed, trials)));
    return Array.from({ length: Math.ceil(missing.length / SEEDS_PER_JOB) }, (_, i) => ({ cell, seeds: missing.slice(i * SEEDS_PER_JOB, (i + 1) * SEEDS_PER_JOB) }));
  });
  if (jobs.length > 0) console.log(`Optuna: ${jobs.reduce((n, j) => n + j.seeds.length, 0)} runs not in the cache, in ${jobs.length} jobs`);
  let done = 0;
  await pool(
    jobs.map(({ cell, seeds: some }) => async () => {
      const job = { kind: 'quality', sampler: cell.sampler, function: cell.function, seeds: some, trials, table: cell.table };
      await runOptuna<{ seed: number; best: number[] }>(python, job, ({ seed, best }) => writeAtomically(cacheFile(cell, seed, trials), best));
      console.log(`Optuna: ${++done}/${jobs.length} jobs (${cell.sampler} on ${cell.function}, seeds ${some[0]}..${some[some.length - 1]})`);
    }),
    PROCESSES,
  );
  return cells.map((cell) => seeds.map((seed) => JSON.parse(fs.readFileSync(cacheFile(cell, seed, trials), 'utf8')) as number[]));
}
