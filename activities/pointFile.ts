import fs from 'node:fs';

/** Records buffered in memory before they go to disk, and read back at once. */
const CHUNK_RECORDS = 8192;

/**
 * Fixed-width records of numbers on disk, written once and read back in chunks, so a pass over a million
 * trials holds one chunk in memory: `width` float64 values per record.
 */
export class PointFile {
  private readonly fd: number;
  private readonly buffer: Float64Array;
  private used = 0;
  private open = true;
  /** Records added. */
  count = 0;

  constructor(private readonly file: string, readonly width: number) {
    this.fd = fs.openSync(file, 'w+');
    this.buffer = new Float64Array(CHUNK_RECORDS * width);
  }

  add(values: ArrayLike<number>): void {
    this.buffer.set(values, this.used);
    this.used += this.width;
    this.count += 1;
    if (this.used === this.buffer.length) this.flush();
  }

  /**
   * Every record, in the order added: each chunk as one array of `records × width` values, valid until the
   * next chunk is read.
   */
  *chunks(): Generator<{ values: Float64Array; records: number }> {
    this.flush();
    const chunk = new Float64Array(CHUNK_RECORDS * this.width);
    const bytes = new Uint8Array(chunk.buffer);
    for (let position = 0; ; ) {
      const read = fs.readSync(this.fd, bytes, 0, bytes.length, position);
      const records = Math.floor(read / (8 * this.width));
      if (records === 0) return;
      position += records * 8 * this.width;
      yield { values: chunk, records };
    }
  }

  /** Closes and removes the file. */
  dispose(): void {
    if (this.open) fs.closeSync(this.fd);
    this.open = false;
    fs.rmSync(this.file, { force: true });
  }

  private flush(): void {
    if (this.used === 0) return;
    const bytes = new Uint8Array(this.buffer.buffer, 0, this.used * 8);
    fs.writeSync(this.fd, bytes, 0, bytes.length, this.count * 8 * this.width - bytes.length);
    this.used = 0;
  }
}
