import type { TextSection } from '../robustSummary';
import { esc, section, table } from './html';

/** A section of sentences and a table, as the summary has it; columns that hold numbers are right-aligned. */
export function textSectionHtml(id: string, s: TextSection, numeric: ReadonlySet<number>): string {
  const [first = '', ...rest] = s.intro;
  return section(id, s.title, first, rest.map((line) => `<p class="intro">${esc(line)}</p>`).join('') + table(s.header, s.rows, numeric));
}
