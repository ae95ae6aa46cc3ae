import fs from 'node:fs';
import path from 'node:path';

/** Path → "type size mtime" of every entry under some folders and of some single paths. */
export type Snapshot = Map<string, string>;

function signature(stat: fs.Stats): string {
  const type = stat.isDirectory() ? 'dir' : stat.isFile() ? 'file' : stat.isSymbolicLink() ? 'link' : stat.isFIFO() ? 'fifo' : 'other';
  // Folders change mtime when entries come and go, which the entries themselves show; files by content.
  return type === 'dir' ? type : `${type} ${stat.size} ${stat.mtimeMs}`;
}

function walk(dir: string, depth: number, out: Snapshot): void {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    try {
      out.set(full, signature(fs.lstatSync(full)));
    } catch {
      continue;
    }
    if (entry.isDirectory() && depth > 1) walk(full, depth - 1, out);
  }
}

/**
 * Entries under each of `trees` (to `depth` levels, `Infinity` for all) and the state of each of `paths`
 * ("missing" when absent), to compare before and after a command.
 */
export function snapshot(trees: Array<{ dir: string; depth: number }>, paths: string[] = []): Snapshot {
  const out: Snapshot = new Map();
  for (const { dir, depth } of trees) walk(dir, depth, out);
  for (const p of paths) {
    try {
      out.set(p, signature(fs.lstatSync(p)));
    } catch {
      out.set(p, 'missing');
    }
  }
  return out;
}

/** Entries created, removed or changed between two snapshots, as readable lines. */
export function changes(before: Snapshot, after: Snapshot): string[] {
  const out: string[] = [];
  for (const [p, sig] of after) {
    const was = before.get(p);
    if (was === undefined) out.push(`created ${p}`);
    else if (was !== sig) out.push(was === 'missing' ? `created ${p}` : sig === 'missing' ? `removed ${p}` : `changed ${p}`);
  }
  for (const p of before.keys()) if (!after.has(p)) out.push(`removed ${p}`);
  return out;
}
