import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT, tuneflowHome } from '../../../services/paths';

/** Versions the published numbers were measured with. */
const PACKAGES = ['optuna==5.0.0', 'cmaes==0.13.1'];

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

/** Runs one job of optuna_bench.py and returns its JSON lines. */
export function runOptuna<T>(python: string, job: object): Promise<T[]> {
  const cwd = path.join(PROJECT_ROOT, 'scripts', 'bench', 'samplers');
  return new Promise((resolve, reject) => {
    // No __pycache__ beside the sources.
    const env = { ...process.env, PYTHONDONTWRITEBYTECODE: '1' };
    const child = spawn(python, ['optuna_bench.py'], { cwd, env, stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`optuna_bench.py exited with ${code} for ${JSON.stringify(job).slice(0, 200)}`));
      else resolve(out.trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as T));
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
