import assert from 'node:assert/strict';
import { test } from 'node:test';
import { symmetricEigen } from '../../search/linalg';
import { logNormalMass } from '../../search/normal';
import { Permutation } from '../../search/permutation';
import { Prng } from '../../search/prng';
import { SeenSet, SEEN_BITS } from '../../search/seen';
import { Space } from '../../search/space';

test('the PRNG is a pure function of its seed and state', () => {
  const a = Prng.fromSeed(42);
  // Golden values: a change here changes what every saved seed proposes.
  assert.deepEqual([a.nextU32(), a.nextU32(), a.nextU32()], [218091724, 1249014578, 299141429]);
  const saved = JSON.parse(JSON.stringify(a.state()));
  const b = new Prng(saved);
  for (let i = 0; i < 100; i++) assert.equal(a.float(), b.float());
  assert.notEqual(Prng.fromSeed(1).nextU32(), Prng.fromSeed(2).nextU32());
  const floats = Array.from({ length: 10_000 }, () => a.float());
  assert.ok(floats.every((f) => f >= 0 && f < 1));
  assert.ok(Math.abs(floats.reduce((s, f) => s + f, 0) / floats.length - 0.5) < 0.02);
});

test('a permutation visits every index of [0, n) once', () => {
  for (const n of [1, 2, 3, 17, 1000, 4097]) {
    const p = new Permutation(n, 7, 1);
    const seen = new Set(Array.from({ length: n }, (_, i) => p.at(i)));
    assert.equal(seen.size, n);
    assert.ok([...seen].every((x) => x >= 0 && x < n));
  }
  const big = new Permutation(2 ** 50, 7, 1);
  assert.ok(big.at(123) < 2 ** 50);
});

test('the seen set survives base64 and is exact up to its size', () => {
  const s = new SeenSet(5000);
  [0, 7, 4999, 1234].forEach((i) => s.add(i));
  const t = new SeenSet(5000, s.encode());
  assert.deepEqual([0, 7, 4999, 1234, 1, 4998].map((i) => t.has(i)), [true, true, true, true, false, false]);
  const hashed = new SeenSet(2 ** 40);
  assert.equal(hashed.exact, false);
  hashed.add(2 ** 39 + 5);
  assert.ok(new SeenSet(2 ** 40, hashed.encode()).has(2 ** 39 + 5));
  assert.ok(hashed.encode().length <= Math.ceil(SEEN_BITS / 8 / 3) * 4);
});

test('every point of a finite space round-trips through its index and unit coordinates', () => {
  const space = new Space({
    n: { type: 'int', low: 1, high: 40, log: true },
    s: { type: 'float', low: 0.1, high: 0.9, step: 0.2 },
    c: { type: 'categorical', choices: ['a', 'b', 'c'] },
  });
  assert.equal(space.size, 40 * 5 * 3);
  for (let i = 0; i < (space.size as number); i++) {
    const p = space.at(i);
    assert.equal(space.indexOf(p), i);
    assert.deepEqual(space.decode(space.encode(p)), p);
  }
  assert.deepEqual(space.at(3), { c: 'a', n: 1, s: 0.7 });
});

test('log-normal masses are accurate in the body, the tails and for narrow cells', () => {
  assert.ok(Math.abs(Math.exp(logNormalMass(-1, 1)) - 0.6826894921) < 1e-6);
  assert.ok(Math.abs(logNormalMass(8, 9) - Math.log(6.22096057e-16 - 1.12858841e-19)) < 1e-4);
  assert.ok(Math.abs(logNormalMass(0, 1e-6) - Math.log(1e-6 / Math.sqrt(2 * Math.PI))) < 1e-6);
});

test('Jacobi eigen-decomposition reconstructs the matrix', () => {
  const m = [
    [4, 1, 0.5],
    [1, 3, 0.2],
    [0.5, 0.2, 1],
  ];
  const { values, vectors } = symmetricEigen(m);
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) {
      const r = values.reduce((s, v, k) => s + (vectors[i]![k] as number) * v * (vectors[j]![k] as number), 0);
      assert.ok(Math.abs(r - m[i]![j]!) < 1e-12);
    }
  }
});
