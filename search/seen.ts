import { mix32 } from './prng';

/** Bits of the set: an exact bitmap for spaces up to this many points, a hashed one beyond (175 kB as base64). */
export const SEEN_BITS = 2 ** 20;

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

function toBase64(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const a = bytes[i] as number;
    const b = bytes[i + 1] ?? 0;
    const c = bytes[i + 2] ?? 0;
    const n = (a << 16) | (b << 8) | c;
    out += ALPHABET[(n >>> 18) & 63]! + ALPHABET[(n >>> 12) & 63]!;
    out += i + 1 < bytes.length ? ALPHABET[(n >>> 6) & 63]! : '=';
    out += i + 2 < bytes.length ? ALPHABET[n & 63]! : '=';
  }
  return out;
}

function fromBase64(text: string, length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  let j = 0;
  for (let i = 0; i < text.length && j < length; i += 4) {
    const n = [0, 1, 2, 3].reduce((acc, k) => (acc << 6) | Math.max(0, ALPHABET.indexOf(text[i + k] ?? 'A')), 0);
    bytes[j++] = (n >>> 16) & 255;
    if (j < length) bytes[j++] = (n >>> 8) & 255;
    if (j < length) bytes[j++] = n & 255;
  }
  return bytes;
}

/**
 * The points of a finite space proposed so far, by index. Up to SEEN_BITS points the set is exact; beyond, an
 * index sets bit hash(index) mod SEEN_BITS (a one-hash Bloom filter): a proposed point is never reported unseen,
 * so duplicates never happen, but an unseen point may collide and be skipped, which only costs coverage.
 */
export class SeenSet {
  private readonly bits: number;
  private readonly bytes: Uint8Array;

  constructor(
    private readonly size: number,
    encoded?: string,
  ) {
    this.bits = Math.min(size, SEEN_BITS);
    this.bytes = encoded === undefined ? new Uint8Array(Math.ceil(this.bits / 8)) : fromBase64(encoded, Math.ceil(this.bits / 8));
  }

  has(index: number): boolean {
    const bit = this.bit(index);
    return ((this.bytes[bit >>> 3] as number) & (1 << (bit & 7))) !== 0;
  }

  add(index: number): void {
    const bit = this.bit(index);
    this.bytes[bit >>> 3] = (this.bytes[bit >>> 3] as number) | (1 << (bit & 7));
  }

  /** True when the set answers exactly (the space fits in SEEN_BITS). */
  get exact(): boolean {
    return this.size <= SEEN_BITS;
  }

  encode(): string {
    return toBase64(this.bytes);
  }

  private bit(index: number): number {
    if (this.exact) return index;
    const hashed = mix32((index >>> 0) ^ mix32(Math.floor(index / 4294967296)));
    return hashed % SEEN_BITS;
  }
}
