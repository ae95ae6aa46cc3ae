import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { PointFile } from '../../activities/pointFile';

test('a point file gives back every record in order, chunk by chunk, and leaves nothing behind', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tuneflow-points-'));
  const file = path.join(dir, 'points.f64');
  const points = new PointFile(file, 3);
  const total = 20_000;
  for (let i = 0; i < total; i++) points.add([i, i / 7, -i]);
  assert.equal(points.count, total);
  let next = 0;
  let chunks = 0;
  for (const { values, records } of points.chunks()) {
    chunks++;
    for (let r = 0; r < records; r++, next++) assert.deepEqual([values[3 * r], values[3 * r + 1], values[3 * r + 2]], [next, next / 7, -next]);
  }
  assert.equal(next, total);
  assert.ok(chunks > 1, 'more records than one chunk holds');
  let again = 0;
  for (const { records } of points.chunks()) again += records;
  assert.equal(again, total, 'a second pass reads the same records');
  points.dispose();
  assert.deepEqual(fs.readdirSync(dir), []);
  fs.rmSync(dir, { recursive: true });
});
