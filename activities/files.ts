import fs from 'node:fs';
import path from 'node:path';

/** Writes a file so that readers see the old content or the new, never half of it (temp file + rename). */
export function writeFileAtomic(file: string, content: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  fs.writeFileSync(tmp, content);
  fs.renameSync(tmp, file);
}

/** Text a spreadsheet would evaluate as a formula when the file is opened. */
const FORMULA_START = /^[=+\-@\t\r]/;
/** A number written as text (a level label such as `-5`): a spreadsheet reads it as that number, nothing more. */
const NUMBER_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  const raw = String(value);
  // Parameter values, names and error messages come from users and evaluators; a leading apostrophe makes
  // spreadsheets show the text instead of running it (`=HYPERLINK(...)`, `@SUM(...)`, `-2+3+cmd|...`).
  const text = FORMULA_START.test(raw) && !NUMBER_TEXT.test(raw) ? `'${raw}` : raw;
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One CSV line (no line break) of `toCsv`. */
export function csvLine(row: readonly unknown[]): string {
  return row.map(csvCell).join(',');
}

/** RFC 4180 CSV with a header row; text that a spreadsheet would run as a formula starts with an apostrophe. */
export function toCsv(header: string[], rows: unknown[][]): string {
  return [header, ...rows].map(csvLine).join('\n') + '\n';
}

/**
 * A text file written line by line, for outputs of any length: lines go to a temp file next to the target in
 * chunks, and {@link commit} renames it over the target, so readers see the old file or the whole new one.
 */
export class LineFile {
  private readonly tmp: string;
  private readonly fd: number;
  private pending: string[] = [];
  private pendingChars = 0;
  private open = true;

  constructor(readonly file: string) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    this.tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
    this.fd = fs.openSync(this.tmp, 'w');
  }

  line(text: string): void {
    this.pending.push(text);
    this.pendingChars += text.length + 1;
    if (this.pendingChars > 1 << 16) this.flush();
  }

  commit(): void {
    this.flush();
    this.close();
    fs.renameSync(this.tmp, this.file);
  }

  /** Drops the temp file (after an error or an interruption), leaving the target as it was. */
  discard(): void {
    this.close();
    fs.rmSync(this.tmp, { force: true });
  }

  // Once only: a descriptor closed twice may by then belong to another file.
  private close(): void {
    if (this.open) fs.closeSync(this.fd);
    this.open = false;
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    fs.writeSync(this.fd, this.pending.join('\n') + '\n');
    this.pending = [];
    this.pendingChars = 0;
  }
}

/** A CSV file written row by row through a {@link LineFile}: the header first, then {@link row} per record. */
export class CsvFile {
  private readonly out: LineFile;
  rows = 0;

  constructor(readonly file: string, header: readonly string[]) {
    this.out = new LineFile(file);
    this.out.line(csvLine(header));
  }

  row(values: readonly unknown[]): void {
    this.rows++;
    this.out.line(csvLine(values));
  }

  commit(): void {
    this.out.commit();
  }

  /** Drops the temp file (after an error), leaving the target as it was. */
  discard(): void {
    this.out.discard();
  }
}
