import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkConstraints, parseConstraint } from '../../search';
import { InputError } from '../../errors';

const holds = (text: string, params: Record<string, number | string>): boolean => checkConstraints(params, [parseConstraint(text)]);

test('comparisons between parameters and arithmetic on them', () => {
  assert.equal(holds('fast < slow', { fast: 5, slow: 10 }), true);
  assert.equal(holds('fast < slow', { fast: 10, slow: 10 }), false);
  assert.equal(holds('fast <= slow', { fast: 10, slow: 10 }), true);
  assert.equal(holds('fast * 2 < slow', { fast: 5, slow: 10 }), false);
  assert.equal(holds('fast * 2 <= slow - 1 + 1', { fast: 5, slow: 10 }), true);
  assert.equal(holds('(a + b) / 2 >= 3.5e0', { a: 3, b: 4 }), true);
  assert.equal(holds('-a > -b', { a: 1, b: 2 }), true);
  assert.equal(holds('x != y', { x: 1, y: 1 }), false);
  assert.equal(holds('x == y', { x: 0.5, y: 0.5 }), true);
});

test('chained comparisons hold pairwise', () => {
  assert.equal(holds('0 < a <= b < 10', { a: 1, b: 1 }), true);
  assert.equal(holds('0 < a <= b < 10', { a: 2, b: 1 }), false);
  assert.equal(holds('0 < a <= b < 10', { a: 1, b: 10 }), false);
});

test('a non-numeric value never satisfies a constraint', () => {
  assert.equal(holds('kind != 1', { kind: 'ema' }), false);
  assert.equal(holds('kind < 1', { kind: 'ema' }), false);
});

test('syntax errors are InputErrors that point at the problem', () => {
  assert.throws(() => parseConstraint('fast = slow'), { name: 'InputError', message: /position 6 \(did you mean "=="\?\)/ });
  assert.throws(() => parseConstraint('fast <'), { message: /expected a number, a parameter name or "\(" at the end/ });
  assert.throws(() => parseConstraint('fast slow'), { message: /expected an operator at position 6/ });
  assert.throws(() => parseConstraint('fast + 1'), { message: /expected a comparison/ });
  assert.throws(() => parseConstraint('(a < b'), InputError);
});

test('text is parsed, never run as code', () => {
  assert.throws(() => parseConstraint('process.exit(1) < 2'), InputError);
  assert.throws(() => parseConstraint('a < b; globalThis.x = 1'), InputError);
  assert.throws(() => parseConstraint('a < `b`'), InputError);
});

test('a parsed constraint is plain JSON', () => {
  const c = parseConstraint('fast * 2 < slow');
  assert.deepEqual(JSON.parse(JSON.stringify(c)), c);
});
