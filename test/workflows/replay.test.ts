import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { Worker } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import { PROJECT_ROOT } from '../../services/paths';
import { installRuntime, workflowBundle } from '../../workers/worker';

const DIR = path.join(PROJECT_ROOT, 'test', 'fixtures', 'histories');

/**
 * Histories recorded from real sessions (a grid session, a retried flaky session, a chain of
 * continue-as-new runs) must replay against today's workflow code: a change that breaks them would break
 * every session running during a deploy. Re-record with `TUNEFLOW_RECORD_HISTORIES=test/fixtures/histories npm test`.
 */
test('recorded session histories replay without non-determinism errors', async () => {
  installRuntime();
  const files = fs.readdirSync(DIR).filter((f) => f.endsWith('.binpb'));
  assert.ok(files.length >= 3, `expected recorded histories in ${DIR}`);
  const histories = files.map((f) => ({
    workflowId: f.replace(/\.binpb$/, ''),
    history: temporal.api.history.v1.History.decode(fs.readFileSync(path.join(DIR, f))),
  }));
  const results = Worker.runReplayHistories({ workflowBundle: await workflowBundle() }, histories);
  let replayed = 0;
  for await (const result of results) {
    assert.equal(result.error, undefined, `${result.workflowId}: ${result.error?.message}`);
    replayed += 1;
  }
  assert.equal(replayed, files.length);
});
