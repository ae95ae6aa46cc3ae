import { LineFile } from './atomic';

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
