import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeFileAtomic } from '../files/atomic';
import { PROJECT_ROOT } from '../services/paths';

/** "2 × Intel(R) Xeon(R) ..., 24 GiB, Linux 6.1, Node v20" for the benchmark's header. */
export function machineDescription(): string {
  const cpus = os.cpus();
  const gib = Math.round(os.totalmem() / 2 ** 30);
  return `${cpus.length} × ${cpus[0]?.model.trim() ?? 'unknown CPU'}, ${gib} GiB, ${os.type()} ${os.release()}, Node ${process.version}`;
}

/**
 * Replaces the `## <title>` section of BENCHMARKS.md (up to the next `## `) with `body`, keeping the
 * other sections as they are, so each benchmark script owns exactly its own section.
 */
export function writeBenchmarkSection(title: string, body: string): void {
  const file = path.join(PROJECT_ROOT, 'BENCHMARKS.md');
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '# Benchmarks\n';
  const heading = `## ${title}`;
  const section = `${heading}\n\n${body.trim()}\n\n`;
  const start = text.indexOf(`${heading}\n`);
  let next: string;
  if (start === -1) next = `${text.trimEnd()}\n\n${section}`;
  else {
    const end = text.indexOf('\n## ', start + heading.length);
    next = text.slice(0, start) + section + (end === -1 ? '' : text.slice(end + 1));
  }
  writeFileAtomic(file, next.trimEnd() + '\n');
}

/** The trial count of a benchmark run: `--trials N`, else TUNEFLOW_BENCH_TRIALS, else `fallback`; at least `min`. */
export function trialsWanted(fallback: number, min: number): number {
  const at = process.argv.indexOf('--trials');
  const text = at >= 0 ? process.argv[at + 1] : process.env.TUNEFLOW_BENCH_TRIALS;
  const trials = text === undefined ? fallback : Number(text);
  if (!Number.isInteger(trials) || trials < min) throw new Error(`--trials / TUNEFLOW_BENCH_TRIALS must be a whole number >= ${min}, got ${text}`);
  return trials;
}
