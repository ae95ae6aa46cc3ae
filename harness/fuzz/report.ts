import { machineDescription } from '../benchReport';
import type { Failure, FuzzReport } from './run';
import type { FileSpec, FuzzCase } from './types';


const share = (n: number, total: number) => `${n} (${total === 0 ? 0 : ((100 * n) / total).toFixed(1)} %)`;
const tally = (counts: Record<string, number>, total: number) =>
  Object.entries(counts)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${k}: ${share(n, total)}`)
    .join(', ');

function shorten(text: string, max = 400): string {
  return text.length > max ? `${text.slice(0, max)}…(${text.length} characters)` : text;
}

function describeFile(f: FileSpec): string {
  if (f.kind === 'text') return `  ${f.name}: ${shorten(JSON.stringify(f.text))}`;
  if (f.kind === 'bytes') return `  ${f.name}: bytes ${shorten(JSON.stringify(Buffer.from(f.bytes).toString('latin1')))}`;
  if (f.kind === 'symlink') return `  ${f.name}: link to ${f.target}`;
  return `  ${f.name}: ${f.kind === 'dir' ? 'a folder' : 'a FIFO'}`;
}

/** A case as someone would reproduce it by hand: the command line, then each file. */
export function describeCase(c: FuzzCase): string {
  return [`  tuneflow ${c.command} ${c.args.map((a) => JSON.stringify(shorten(a, 120))).join(' ')}`, `  (${c.note}; expected: ${c.expect})`, ...c.files.map(describeFile)].join('\n');
}

function describeFailure(f: Failure, k: number): string {
  return [
    `${k + 1}. ${f.problems.join('; ')} [${f.count} case${f.count === 1 ? '' : 's'}]`,
    `  replay: npm run fuzz -- --seed ${f.seed} --path ${f.path} (${f.shrinks} shrinks)`,
    describeCase(f.minimal),
    `  exit ${f.code ?? 'none (hang)'}; stdout ${JSON.stringify(shorten(f.stdout, 300))}; stderr ${JSON.stringify(shorten(f.stderr, 300))}`,
  ].join('\n');
}

/** The summary `npm run fuzz` prints. */
export function formatSummary(r: FuzzReport): string {
  const seconds = r.wallMs / 1000;
  const lines = [
    `fuzz: ${r.cases} cases, seed ${r.seed}, ${seconds.toFixed(1)} s (${(r.cases / seconds).toFixed(1)} cases/s), shrinking ${(r.shrinkMs / 1000).toFixed(1)} s`,
    `  by exit code: ${tally(r.byExit, r.cases)}`,
    `  by command: ${tally(r.byCommand, r.cases)}`,
    `  verdict known beforehand: ${tally(r.byExpect, r.cases)}`,
    `  slowest case: ${(r.slowest.ms / 1000).toFixed(2)} s (${r.slowest.note})`,
    r.failedCases === 0
      ? '  failures: none'
      : `  failures: ${r.failedCases} cases, ${r.distinctFailures} distinct${r.distinctFailures > r.failures.length ? `, the first ${r.failures.length} shrunk` : ''}:`,
    ...r.failures.map(describeFailure),
    ...(r.replayed
      ? [
          'replayed case:',
          describeCase(r.replayed.case),
          `  exit ${r.replayed.code ?? 'none (hang)'}; problems: ${r.replayed.problems.join('; ') || 'none'}`,
          `  stdout ${JSON.stringify(shorten(r.replayed.stdout, 2000))}`,
          `  stderr ${JSON.stringify(shorten(r.replayed.stderr, 2000))}`,
        ]
      : []),
  ];
  return lines.join('\n');
}


/** The body of the "Input fuzzer" section of BENCHMARKS.md for a run. */
export function benchmarkSection(r: FuzzReport, command: string): string {
  const seconds = r.wallMs / 1000;
  return [
    `Command: \`${command}\` · machine: ${machineDescription()} · date: ${new Date().toISOString().slice(0, 10)}`,
    '',
    'Generated campaign YAML, CSV data, special paths and flags, run in-process through `tuneflow check` (and `plan`, `backtest`), each in its own folder. A case passes when it settles within 30 s with exit 0 (something on stdout) or 2 (one `tuneflow: ` paragraph naming the file, flag or value), prints no stack trace, `undefined` or `[object Object]`, creates or changes no file, and, where the generator knows the input is valid or invalid, exits 0 or 2 accordingly.',
    '',
    '| figure | value |',
    '|---|---|',
    `| cases | ${r.cases} (seed ${r.seed}) |`,
    `| by exit code | ${tally(r.byExit, r.cases)} |`,
    `| by command | ${tally(r.byCommand, r.cases)} |`,
    `| verdict known beforehand | ${tally(r.byExpect, r.cases)} |`,
    `| failing cases | ${r.failedCases} (${r.distinctFailures} distinct) |`,
    `| wall time | ${seconds.toFixed(1)} s (${(r.cases / seconds).toFixed(1)} cases/s) |`,
    `| slowest case | ${(r.slowest.ms / 1000).toFixed(2)} s |`,
  ].join('\n');
}
