/** A Markdown table whose cells are plain text. */
export function table(header: string[], rows: string[][]): string[] {
  return [`| ${header.map(md).join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.map(md).join(' | ')} |`)];
}

/**
 * Keeps user text inside its table cell, out of HTML, and out of link syntax when the Markdown is rendered:
 * without `[`, `]` and `<`, text such as `[x](javascript:alert(1))` or `<javascript:...>` stays text.
 */
export function md(text: string): string {
  return text.replace(/[\\|[\]]/g, '\\$&').replace(/[\r\n]+/g, ' ').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
