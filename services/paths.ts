import path from 'node:path';

/** The checkout (or installed package) root: dist/services/paths.js sits two levels below it. */
export const PROJECT_ROOT = path.resolve(__dirname, '..', '..');

/** Local state of tuneflow: tools it obtained, the dev server's database, Redis' data. Git-ignored. */
export function tuneflowHome(): string {
  return process.env.TUNEFLOW_HOME ? path.resolve(process.env.TUNEFLOW_HOME) : path.join(PROJECT_ROOT, '.tuneflow');
}

export function toolsDir(): string {
  return path.join(tuneflowHome(), 'tools');
}
