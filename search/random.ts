import type { Algorithm } from './algorithm';

/** Independent uniform draws (log-uniform for log-scaled parameters), like Optuna's RandomSampler. */
export const random: Algorithm<Record<string, never>, unknown> = {
  adaptive: false,
  options: {},
  shuffledWalk: () => true,
  init: () => ({}),
  propose: (_state, { space, rng }) => [{ x: space.uniform(rng) }],
  observe: () => undefined,
};
