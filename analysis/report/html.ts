/** Escapes text for HTML element content and quoted attribute values. */
export function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** A table of plain-text cells; `numeric` columns are right-aligned. */
export function table(header: readonly string[], rows: readonly (readonly string[])[], numeric: ReadonlySet<number> = new Set()): string {
  const cell = (tag: string, text: string, i: number) => `<${tag}${numeric.has(i) ? ' class="num"' : ''}>${esc(text)}</${tag}>`;
  return `<div class="table-wrap"><table><thead><tr>${header.map((h, i) => cell('th', h, i)).join('')}</tr></thead>` +
    `<tbody>${rows.map((row) => `<tr>${row.map((c, i) => cell('td', c, i)).join('')}</tr>`).join('')}</tbody></table></div>`;
}

export function section(id: string, title: string, intro: string, body: string): string {
  return `<section id="${id}"><h2>${esc(title)}</h2>${intro ? `<p class="intro">${esc(intro)}</p>` : ''}${body}</section>`;
}

/** Colour key under a chart. */
export function legend(items: readonly { color: string; label: string; dashed?: boolean }[]): string {
  return `<div class="legend">${items
    .map((i) => `<span><i style="background:${i.dashed ? 'transparent' : i.color};border-color:${i.color}"${i.dashed ? ' class="dashed"' : ''}></i>${esc(i.label)}</span>`)
    .join('')}</div>`;
}
