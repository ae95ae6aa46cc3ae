/** The commands the fuzzer drives; all three validate their input and write nothing. */
export type FuzzCommand = 'check' | 'plan' | 'backtest';

/** What an input must lead to when the generator knows: exit 0, exit 2, or either. */
export type Expectation = 'ok' | 'error' | 'any';

/**
 * A file the case folder holds before the command runs. Text may contain {@link CASE_DIR}, replaced by the
 * case folder's absolute path when the file is written, so configs can name their own outputs folder.
 */
export type FileSpec =
  | { kind: 'text'; name: string; text: string }
  | { kind: 'bytes'; name: string; bytes: number[] }
  | { kind: 'dir'; name: string }
  | { kind: 'fifo'; name: string }
  | { kind: 'symlink'; name: string; target: string };

/** One generated command line with the files it reads: everything needed to replay it by hand. */
export interface FuzzCase {
  command: FuzzCommand;
  files: FileSpec[];
  /** Arguments after the command name; {@link CASE_DIR} and {@link CASE_DIR_RELATIVE} are substituted. */
  args: string[];
  expect: Expectation;
  /** The generators and mutations that made the case, e.g. "yaml: unknown key; csv: bom". */
  note: string;
}

/** Placeholder for the case folder's absolute path. */
export const CASE_DIR = '{{case}}';
/** Placeholder in a generated campaign for the name of its data file, which the case chooses. */
export const DATA_FILE = '{{data}}';
/** Placeholder for the case folder's path relative to the working directory. */
export const CASE_DIR_RELATIVE = '{{relcase}}';

/** Combines the verdicts of the parts of one input: any part that must fail makes the whole fail. */
export function combine(...parts: Expectation[]): Expectation {
  if (parts.includes('error')) return 'error';
  return parts.every((p) => p === 'ok') ? 'ok' : 'any';
}
