import type { Algorithm } from './algorithm';

/**
 * Exhaustive search: every feasible point of a finite space once, in grid order (sorted parameter names, the
 * last varying fastest), or in a seeded random order with `shuffle: true`.
 */
export const grid: Algorithm<Record<string, never>, unknown> = {
  adaptive: false,
  options: { shuffle: { type: 'boolean', default: false } },
  shuffledWalk: (options) => options.shuffle === true,
  init: () => ({}),
  propose: () => null,
  observe: () => undefined,
};
