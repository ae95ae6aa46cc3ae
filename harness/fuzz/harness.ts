import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { runCli } from '../../cli/main';
import { captureOutput } from './capture';
import { changes, snapshot, type Snapshot } from './snapshot';
import { CASE_DIR, CASE_DIR_RELATIVE, type FileSpec, type FuzzCase } from './types';
import { Watchdog } from './watchdog';

/** How one case ended, with everything the properties judge. */
export interface CaseRun {
  /** The exit code, or null when the command did not settle in time. */
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
  /** The case folder, gone after the run; messages name files inside it. */
  dir: string;
  /** Arguments as passed, placeholders replaced. */
  args: string[];
  /** FIFOs the command opened for reading: with no writer, such a read never returns. */
  fifoReads: string[];
  /** Files and folders created, changed or removed anywhere the harness looks. */
  fileChanges: string[];
  exitCalls: number[];
  uncaught: string[];
}

export interface HarnessOptions {
  /** A private folder: cases go to `<root>/cases`, and os.tmpdir() must point to `<root>/tmp`. */
  root: string;
  /** A case that has not settled after this long is a hang. */
  timeoutMs: number;
}

function substitute(text: string, dir: string): string {
  return text.split(CASE_DIR_RELATIVE).join(path.relative(process.cwd(), dir) || '.').split(CASE_DIR).join(dir);
}

function writeFile(dir: string, spec: FileSpec): void {
  const file = path.join(dir, spec.name);
  // Two parts of a case may ask for one file (a FIFO as data and as module); the first one made it.
  if (fs.lstatSync(file, { throwIfNoEntry: false })) return;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  if (spec.kind === 'text') fs.writeFileSync(file, substitute(spec.text, dir));
  else if (spec.kind === 'bytes') fs.writeFileSync(file, Buffer.from(spec.bytes));
  else if (spec.kind === 'dir') fs.mkdirSync(file);
  else if (spec.kind === 'symlink') fs.symlinkSync(substitute(spec.target, dir), file);
  else {
    const made = spawnSync('mkfifo', [file]);
    if (made.status !== 0) throw new Error(`mkfifo ${file} failed: ${made.stderr?.toString().trim() || made.error?.message}`);
  }
}

/**
 * Runs fuzz cases in-process through the CLI's `runCli`, each in a fresh folder with its files and an
 * empty `outputs` folder, and records its exit code, output, duration and every file it touched.
 */
export class Harness {
  private readonly watchdog: Watchdog;
  private serial = 0;
  private uncaught: string[] = [];
  private readonly onUncaught = (err: unknown) => this.uncaught.push(err instanceof Error ? `${err.name}: ${err.message}` : String(err));

  constructor(private readonly options: HarnessOptions) {
    fs.mkdirSync(path.join(options.root, 'cases'), { recursive: true });
    // Twice the hang limit: past that, the main thread is stuck where no FIFO can release it.
    this.watchdog = new Watchdog(options.timeoutMs * 2);
    process.on('uncaughtException', this.onUncaught);
    process.on('unhandledRejection', this.onUncaught);
  }

  /** The folders and paths whose state must not change: the case's, the temp folder's, the project's. */
  private snapshot(dir: string, outside: string[]): Snapshot {
    const cwd = process.cwd();
    return snapshot(
      [
        { dir, depth: Infinity },
        { dir: path.join(this.options.root, 'tmp'), depth: Infinity },
        { dir: cwd, depth: 1 },
        { dir: path.join(cwd, 'outputs'), depth: Infinity },
      ],
      outside,
    );
  }

  async run(c: FuzzCase, label: string): Promise<CaseRun> {
    const serial = ++this.serial;
    const dir = fs.mkdtempSync(path.join(this.options.root, 'cases', 'c-'));
    try {
      for (const file of c.files) writeFile(dir, file);
      fs.mkdirSync(path.join(dir, 'outputs'), { recursive: true });
      const args = c.args.map((a) => substitute(a, dir));
      const outside = args.filter((a) => path.isAbsolute(a) && !a.startsWith(dir) && !a.includes('\0'));
      const before = this.snapshot(dir, outside);
      const fifos = c.files.filter((f) => f.kind === 'fifo').map((f) => path.join(dir, f.name));
      this.uncaught = [];
      this.watchdog.begin(serial, fifos, label);
      const started = performance.now();
      const { result, captured, restore } = captureOutput(() => runCli(['node', 'tuneflow', c.command, ...args]));
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), this.options.timeoutMs)));
      let code: number | null;
      try {
        code = await Promise.race([result, timeout]);
      } catch (err) {
        // runCli never rejects; if it does, that is a finding like any other.
        this.onUncaught(err);
        code = -1;
      } finally {
        restore();
        clearTimeout(timer);
      }
      const ms = performance.now() - started;
      const { fifoReads } = await this.watchdog.end(serial);
      const fileChanges = changes(before, this.snapshot(dir, outside));
      return { code, stdout: captured.stdout, stderr: captured.stderr, ms, dir, args, fifoReads, fileChanges, exitCalls: captured.exitCalls, uncaught: [...this.uncaught] };
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  async close(): Promise<void> {
    process.off('uncaughtException', this.onUncaught);
    process.off('unhandledRejection', this.onUncaught);
    await this.watchdog.close();
  }
}
