import fc from 'fast-check';

/** `arb` with probability `p`, else null; shrinks towards null, so minimal inputs leave it out. */
export function sometimes<T>(arb: fc.Arbitrary<T>, p: number): fc.Arbitrary<T | null> {
  const weight = Math.round(p * 1000);
  return fc.oneof({ withCrossShrink: true }, { weight: 1000 - weight, arbitrary: fc.constant(null) }, { weight, arbitrary: arb });
}
