import { spawn } from 'node:child_process';
import path from 'node:path';
import { PROJECT_ROOT } from '../../services/paths';

/** The `tuneflow` command as a user runs it. */
export const TUNEFLOW_BIN = path.join(PROJECT_ROOT, 'bin', 'tuneflow');

/** Runs `tuneflow <args>` to its end with `env` on top of this process's environment. */
export function tuneflow(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [TUNEFLOW_BIN, ...args], { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}
