import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { loadSessionSpec } from '../../config/load';
import { PROJECT_ROOT } from '../../services/paths';
import { gridSize } from '../../search';

test('configs/million.yaml spans at least 1,000,000 distinct points and asks for a million batched trials', () => {
  const spec = loadSessionSpec(path.join(PROJECT_ROOT, 'configs', 'million.yaml'), { sessionId: 'million-test' });
  const size = gridSize(spec.search.space, spec.search.constraints);
  assert.ok(size !== null && size >= 1_000_000, `space size ${size}`);
  assert.equal(spec.search.trials, 1_000_000);
  assert.equal(spec.trial.batch, 'auto');
  assert.ok((spec.search.parallelism ?? 1) >= 64, 'a window wide enough for batches');
});
