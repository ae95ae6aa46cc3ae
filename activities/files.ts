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

/** RFC 4180 CSV with a header row; text that a spreadsheet would run as a formula starts with an apostrophe. */
export function toCsv(header: string[], rows: unknown[][]): string {
  return [header, ...rows].map((row) => row.map(csvCell).join(',')).join('\n') + '\n';
}
