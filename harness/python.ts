import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../services/paths';


/**
 * A throw-away virtualenv under `.tuneflow/` (git-ignored) with exactly `requirements` installed, created on
 * first use and re-created when the pins change. Returns its python executable.
 * Python 3 comes from `PYTHON`, else `python3` on PATH.
 */
export function ensureVenv(name: string, requirements: readonly string[]): string {
  const dir = path.join(PROJECT_ROOT, '.tuneflow', name);
  const python = path.join(dir, 'bin', 'python');
  const stamp = path.join(dir, 'requirements.txt');
  const wanted = requirements.join('\n') + '\n';
  if (fs.existsSync(python) && fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === wanted) return python;

  fs.rmSync(dir, { recursive: true, force: true });
  const base = process.env.PYTHON ?? 'python3';
  console.error(`Creating ${path.relative(PROJECT_ROOT, dir)} with ${requirements.join(', ')} ...`);
  execFileSync(base, ['-m', 'venv', dir], { stdio: 'inherit' });
  execFileSync(python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', ...requirements], { stdio: 'inherit' });
  fs.writeFileSync(stamp, wanted);
  return python;
}

/** Runs a Python script with arguments and returns its standard output. */
export function runPython(python: string, script: string, args: readonly string[]): string {
  return execFileSync(python, [script, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 28 });
}
