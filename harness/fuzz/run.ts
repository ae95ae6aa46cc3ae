import fc from 'fast-check';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fuzzCase } from './cases';
import { Harness, type CaseRun } from './harness';
import { HANG_MS, problems } from './properties';
import type { FuzzCase, FuzzCommand } from './types';

export interface FuzzOptions {
  cases: number;
  seed: number;
  /** Replays one case (a counterexample's path) instead of generating `cases`. */
  path?: string;
  /** Time to spend shrinking each distinct failure. */
  shrinkMs?: number;
  /** Progress lines, one every few hundred cases. */
  log?: (line: string) => void;
}

/** One distinct failure, shrunk to a minimal input. */
export interface Failure {
  problems: string[];
  /** How many generated cases failed the same way. */
  count: number;
  seed: number;
  /** fast-check's replay path of the minimal case: `npm run fuzz -- --seed <seed> --path <path>`. */
  path: string;
  minimal: FuzzCase;
  code: number | null;
  stdout: string;
  stderr: string;
  shrinks: number;
}

export interface FuzzReport {
  seed: number;
  cases: number;
  byExit: Record<string, number>;
  byCommand: Record<FuzzCommand, number>;
  /** Cases whose generator knew the verdict, by verdict. */
  byExpect: Record<string, number>;
  failedCases: number;
  /** Kinds of failure seen; the first {@link MAX_FAILURES} of them are shrunk into `failures`. */
  distinctFailures: number;
  failures: Failure[];
  /** Generating and running the cases, without shrinking. */
  wallMs: number;
  shrinkMs: number;
  slowest: { ms: number; note: string };
  /** With `path`: the one case replayed and how it ended. */
  replayed?: { case: FuzzCase; code: number | null; stdout: string; stderr: string; problems: string[] };
}

/** Shrinking stops at this many distinct failures; a run with more has enough to fix first. */
const MAX_FAILURES = 8;

/** A failure's kind without the paths and numbers that differ between instances of one bug. */
function kinds(found: string[]): string[] {
  return found.map((p) => p.replace(/(\/[^\s,;:)"]+)+/g, '<path>').replace(/\d+(\.\d+)?/g, 'N'));
}

function label(c: FuzzCase, seed: number, casePath: string): string {
  return `replay: npm run fuzz -- --seed ${seed} --path ${casePath}\n${c.command} ${c.args.map((a) => JSON.stringify(a)).join(' ')}\n${c.note}`;
}

/**
 * Runs `fn` with a harness in a private folder, with os.tmpdir() pointing inside it (so a file the CLI
 * leaves in the temp folder is seen, and other processes' files are not), and removes the folder after.
 */
async function withHarness<T>(fn: (harness: Harness) => Promise<T>): Promise<T> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tuneflow-fuzz-'));
  const saved = { tmp: process.env.TMPDIR, debug: process.env.TUNEFLOW_DEBUG };
  fs.mkdirSync(path.join(root, 'tmp'));
  process.env.TMPDIR = path.join(root, 'tmp');
  delete process.env.TUNEFLOW_DEBUG;
  const harness = new Harness({ root, timeoutMs: HANG_MS });
  try {
    return await fn(harness);
  } finally {
    await harness.close();
    if (saved.tmp === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved.tmp;
    if (saved.debug !== undefined) process.env.TUNEFLOW_DEBUG = saved.debug;
    fs.rmSync(root, { recursive: true, force: true });
  }
}

/** Runs fixed cases (regressions) and returns each one's problems. */
export function checkCases(cases: FuzzCase[]): Promise<string[][]> {
  return withHarness(async (harness) => {
    const out: string[][] = [];
    for (const c of cases) out.push(problems(c, await harness.run(c, `fixed case: ${c.note}`)));
    return out;
  });
}

/**
 * Runs `cases` generated inputs through the CLI in-process and judges each with {@link problems}; then
 * shrinks one example of each distinct failure to a minimal input with fast-check.
 */
export function runFuzz(options: FuzzOptions): Promise<FuzzReport> {
  const log = options.log ?? (() => undefined);
  const report: FuzzReport = {
    seed: options.seed,
    cases: 0,
    byExit: {},
    byCommand: { check: 0, plan: 0, backtest: 0 },
    byExpect: { ok: 0, error: 0, any: 0 },
    failedCases: 0,
    distinctFailures: 0,
    failures: [],
    wallMs: 0,
    shrinkMs: 0,
    slowest: { ms: 0, note: '' },
  };
  const firstOfKind = new Map<string, { index: number; count: number }>();
  return withHarness(async (harness) => {
    let index = 0;
    const started = performance.now();
    const exploring = fc.asyncProperty(fuzzCase, async (c) => {
      const casePath = options.path ?? String(index);
      const run = await harness.run(c, label(c, options.seed, casePath));
      const found = problems(c, run);
      const exit = run.code === null ? 'hang' : String(run.code);
      report.cases++;
      report.byExit[exit] = (report.byExit[exit] ?? 0) + 1;
      report.byCommand[c.command]++;
      report.byExpect[c.expect]++;
      if (run.ms > report.slowest.ms) report.slowest = { ms: run.ms, note: `${c.command}: ${c.note}`.slice(0, 200) };
      if (options.path) report.replayed = { case: c, code: run.code, stdout: run.stdout, stderr: run.stderr, problems: found };
      if (found.length > 0) {
        report.failedCases++;
        const key = kinds(found).join(' | ');
        const seen = firstOfKind.get(key);
        if (seen) seen.count++;
        else firstOfKind.set(key, { index, count: 1 });
      }
      index++;
      if (index % 500 === 0) {
        const seconds = (performance.now() - started) / 1000;
        log(`fuzz: ${index}/${options.cases} cases, ${(index / seconds).toFixed(1)}/s, ${report.failedCases} failing (${firstOfKind.size} distinct)`);
      }
      return true;
    });
    const details = await fc.check(exploring, { seed: options.seed, numRuns: options.path ? 1 : options.cases, path: options.path });
    // The property never fails; a failure here is the fuzzer's own (a generator that threw).
    if (details.failed) throw new Error(`the fuzzer failed at case ${index}: ${String(details.errorInstance)}`);
    report.wallMs = performance.now() - started;
    report.distinctFailures = firstOfKind.size;

    const shrinkStarted = performance.now();
    for (const [key, { index: first, count }] of [...firstOfKind].slice(0, MAX_FAILURES)) {
      log(`fuzz: shrinking ${key.slice(0, 160)}`);
      const failure = await shrink(harness, options, key, options.path ?? String(first));
      if (failure) report.failures.push({ ...failure, count });
    }
    report.shrinkMs = performance.now() - shrinkStarted;
    return report;
  });
}

/** Replays the case at `casePath` and shrinks it while it still fails in a way of the same kind. */
async function shrink(harness: Harness, options: FuzzOptions, key: string, casePath: string): Promise<Omit<Failure, 'count'> | null> {
  const wanted = new Set(key.split(' | '));
  const last = new Map<FuzzCase, CaseRun>();
  const property = fc.asyncProperty(fuzzCase, async (c) => {
    const run = await harness.run(c, label(c, options.seed, casePath));
    const found = problems(c, run);
    if (!kinds(found).some((k) => wanted.has(k))) return true;
    last.set(c, run);
    return false;
  });
  const details = await fc.check(property, { seed: options.seed, path: casePath, interruptAfterTimeLimit: options.shrinkMs ?? 120_000, markInterruptAsFailure: false });
  if (!details.failed || !details.counterexample || details.counterexamplePath === null) return null;
  const minimal = details.counterexample[0];
  const run = last.get(minimal) ?? (await harness.run(minimal, label(minimal, options.seed, details.counterexamplePath)));
  return {
    problems: problems(minimal, run),
    seed: options.seed,
    path: details.counterexamplePath,
    minimal,
    code: run.code,
    stdout: run.stdout,
    stderr: run.stderr,
    shrinks: details.numShrinks,
  };
}
