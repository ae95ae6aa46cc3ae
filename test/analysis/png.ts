import zlib from 'node:zlib';

export interface PngInfo {
  width: number;
  height: number;
  /** Distinct colours among the sampled pixels. */
  colours: number;
  /** Share of sampled pixels not of the most common colour (the background). */
  inked: number;
}

/**
 * Reads an 8-bit RGB or RGBA PNG (what Chromium writes) far enough to tell a page of charts from a blank or
 * broken one: every 7th pixel of every 7th row is sampled after undoing the row filters.
 */
export function inspectPng(buf: Buffer): PngInfo {
  if (buf.subarray(0, 8).toString('hex') !== '89504e470d0a1a0a') throw new Error('not a PNG');
  const idat: Buffer[] = [];
  let width = 0, height = 0, channels = 0;
  for (let at = 8; at < buf.length; ) {
    const len = buf.readUInt32BE(at), type = buf.toString('latin1', at + 4, at + 8), data = buf.subarray(at + 8, at + 8 + len);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      if (data[8] !== 8 || (data[9] !== 2 && data[9] !== 6) || data[12] !== 0) throw new Error('only 8-bit, non-interlaced RGB(A) PNGs are read');
      channels = data[9] === 6 ? 4 : 3;
    }
    if (type === 'IDAT') idat.push(data);
    at += 12 + len;
  }
  const raw = zlib.inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  let prev = Buffer.alloc(stride);
  const colours = new Map<string, number>();
  let sampled = 0;
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = Buffer.from(raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1)));
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? line[i - channels] : 0, b = prev[i], c = i >= channels ? prev[i - channels] : 0;
      const pred = filter === 1 ? a : filter === 2 ? b : filter === 3 ? (a + b) >> 1 : filter === 4 ? paeth(a, b, c) : 0;
      line[i] = (line[i] + pred) & 0xff;
    }
    if (y % 7 === 0) {
      for (let x = 0; x < width; x += 7) {
        const px = line.subarray(x * channels, x * channels + 3).toString('hex');
        colours.set(px, (colours.get(px) ?? 0) + 1);
        sampled++;
      }
    }
    prev = line;
  }
  return { width, height, colours: colours.size, inked: 1 - Math.max(...colours.values()) / sampled };
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}
