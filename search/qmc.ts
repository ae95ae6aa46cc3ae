import type { Algorithm } from './algorithm';
import { mix32, seedKey } from './prng';

export function primes(count: number): number[] {
  const found: number[] = [];
  for (let n = 2; found.length < count; n++) if (found.every((p) => n % p !== 0)) found.push(n);
  return found;
}

/**
 * Digit `level` of the point comes from digit `level` of the index (the radical inverse) shifted by a value
 * that hashes all earlier digits: a nested random digit shift, a cheap Owen-style scramble. It keeps Halton's
 * stratification, breaks the correlations between dimensions of large bases, and needs no tables.
 */
function scrambledRadicalInverse(index: number, base: number, key: number): number {
  let result = 0;
  let scale = 1 / base;
  let node = key;
  while (scale > 2 ** -53) {
    const digit = index % base;
    index = (index - digit) / base;
    result += ((digit + (mix32(node) % base)) % base) * scale;
    node = mix32(node ^ (digit + 0x9e3779b9));
    scale /= base;
  }
  return result;
}

/** Point `index` of the Halton sequence in bases `bases`, each coordinate scrambled by its key. */
export const scrambledHalton = (index: number, bases: readonly number[], keys: readonly number[]): number[] =>
  keys.map((key, i) => scrambledRadicalInverse(index, bases[i] as number, key));

interface QmcState {
  /** Index of the next point of the sequence. */
  index: number;
  /** One scramble key per dimension. */
  keys: number[];
}

/** Scrambled Halton sequence: a low-discrepancy cover of the space, the same trials for every parallelism. */
export const qmc: Algorithm<QmcState, unknown> = {
  adaptive: false,
  options: {},
  shuffledWalk: () => true,
  init: (space, _options, seed) => ({ index: 0, keys: space.dims.map((_, i) => seedKey(seed, 1000 + i)) }),
  propose(state) {
    return [{ x: scrambledHalton(state.index++, primes(state.keys.length), state.keys) }];
  },
  observe: () => undefined,
};
