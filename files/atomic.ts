import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';

/*
 * Every file tuneflow writes for readers (outputs, plans, logs, reports) is written next to its target under a
 * unique temp name and renamed over it, so a reader, or a crash half-way, sees the old file or the whole new one.
 */

/** A temp path in the target's folder (a rename across file systems would not be atomic), unique per call. */
function tempPathFor(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomUUID()}.tmp`);
}

/** Writes `content` to `file` atomically, creating its folder. */
export function writeFileAtomic(file: string, content: string | Uint8Array): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = tempPathFor(file);
  try {
    fs.writeFileSync(tmp, content);
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

/** {@link writeFileAtomic} off the event loop, for callers that must keep heartbeating. */
export async function writeFileAtomicAsync(file: string, content: string | Uint8Array): Promise<void> {
  await fsp.mkdir(path.dirname(file), { recursive: true });
  const tmp = tempPathFor(file);
  try {
    await fsp.writeFile(tmp, content);
    await fsp.rename(tmp, file);
  } catch (err) {
    await fsp.rm(tmp, { force: true });
    throw err;
  }
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
    this.tmp = tempPathFor(file);
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
