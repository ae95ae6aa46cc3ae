import fs from 'node:fs';
import path from 'node:path';
import { StringDecoder } from 'node:string_decoder';

/** One row to sort: ascending by `key`, then by `id`; `payload` is text without line breaks (JSON, say). */
export interface SortItem {
  key: number;
  id: number;
  payload: string;
}

const before = (a: SortItem, b: SortItem) => a.key < b.key || (a.key === b.key && a.id < b.id);

/**
 * Sorts more rows than memory should hold: rows are buffered up to `runSize`, each full buffer is sorted
 * and written to a run file in `dir`, and {@link sorted} merges the runs (k-way, one row per run in memory).
 * Memory: `runSize` rows plus one per run, whatever the total.
 */
export class ExternalSorter {
  private buffer: SortItem[] = [];
  private readonly runs: string[] = [];

  constructor(private readonly dir: string, private readonly runSize = 20_000) {}

  add(item: SortItem): void {
    this.buffer.push(item);
    if (this.buffer.length >= this.runSize) this.spill();
  }

  /** Every row added, in order; the run files are removed once read. */
  *sorted(): Generator<SortItem> {
    const sortedBuffer = this.buffer.sort((a, b) => (before(a, b) ? -1 : before(b, a) ? 1 : 0));
    this.buffer = [];
    const heads = [...this.runs.map((file) => new RunReader(file)), new ArrayReader(sortedBuffer)];
    let current = heads.map((r) => r.next());
    try {
      for (;;) {
        let best = -1;
        current.forEach((item, i) => {
          if (item && (best < 0 || before(item, current[best]!))) best = i;
        });
        if (best < 0) return;
        yield current[best]!;
        current[best] = heads[best].next();
      }
    } finally {
      current = [];
      for (const r of heads) r.close();
    }
  }

  /** Removes the run files (after an error, or when {@link sorted} was not read to its end). */
  dispose(): void {
    for (const file of this.runs) fs.rmSync(file, { force: true });
  }

  private spill(): void {
    this.buffer.sort((a, b) => (before(a, b) ? -1 : before(b, a) ? 1 : 0));
    const file = path.join(this.dir, `run-${this.runs.length}.txt`);
    const fd = fs.openSync(file, 'w');
    try {
      for (let i = 0; i < this.buffer.length; i += 1000) {
        fs.writeSync(fd, this.buffer.slice(i, i + 1000).map((item) => `${item.key}\t${item.id}\t${item.payload}\n`).join(''));
      }
    } finally {
      fs.closeSync(fd);
    }
    this.runs.push(file);
    this.buffer = [];
  }
}

class ArrayReader {
  private at = 0;
  constructor(private readonly items: SortItem[]) {}
  next(): SortItem | undefined {
    return this.items[this.at++];
  }
  close(): void {}
}

/** Reads a run file line by line in 64 kB chunks. */
class RunReader {
  private readonly fd: number;
  private lines: string[] = [];
  private at = 0;
  private rest = '';
  private done = false;
  private readonly chunk = Buffer.alloc(1 << 16);
  // A character may straddle two chunks.
  private readonly decoder = new StringDecoder('utf8');

  constructor(private readonly file: string) {
    this.fd = fs.openSync(file, 'r');
  }

  next(): SortItem | undefined {
    while (this.at >= this.lines.length) {
      if (this.done) return undefined;
      const n = fs.readSync(this.fd, this.chunk, 0, this.chunk.length, null);
      if (n === 0) {
        this.done = true;
        this.lines = this.rest ? [this.rest] : [];
      } else {
        const text = this.rest + this.decoder.write(this.chunk.subarray(0, n));
        const cut = text.lastIndexOf('\n');
        this.lines = text.slice(0, Math.max(0, cut)).split('\n').filter((l) => l.length > 0);
        this.rest = text.slice(cut + 1);
      }
      this.at = 0;
    }
    const line = this.lines[this.at++];
    const tab1 = line.indexOf('\t'), tab2 = line.indexOf('\t', tab1 + 1);
    return { key: Number(line.slice(0, tab1)), id: Number(line.slice(tab1 + 1, tab2)), payload: line.slice(tab2 + 1) };
  }

  close(): void {
    fs.closeSync(this.fd);
    fs.rmSync(this.file, { force: true });
  }
}
