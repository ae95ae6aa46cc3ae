import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sessionQuery } from '../../cli/sessionList';

describe('the visibility query of tuneflow list', () => {
  const base = "WorkflowType = 'tuningSession' AND ExecutionStatus != 'ContinuedAsNew'";

  test('sessions only, each by its latest run', () => {
    assert.equal(sessionQuery({ tags: [] }), base);
  });

  test('every tag, the strategy and the status, quoted whatever they hold', () => {
    assert.equal(
      sessionQuery({ tags: ['a', "it's"], strategy: 'c:\\x', status: 'failed' }),
      `${base} AND TuneTags = 'a' AND TuneTags = 'it''s' AND TuneStrategy = 'c:\\\\x' AND ExecutionStatus IN ('Failed', 'Terminated', 'TimedOut')`,
    );
    assert.match(sessionQuery({ tags: [], status: 'cancelled' }), /ExecutionStatus IN \('Canceled'\)$/);
    assert.match(sessionQuery({ tags: [], status: 'completed' }), /ExecutionStatus IN \('Completed'\)$/);
  });
});
