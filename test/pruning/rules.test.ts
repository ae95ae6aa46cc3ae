import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { CheckpointValues, readWindow } from '../../pruning/checkpointValues';
import { pruningRule, rungStages, type PruningRule } from '../../pruning/rules';
import type { PruningSpec } from '../../types/session';

const sharpe = { metric: 'sharpe', direction: 'maximize' as const };
const drawdownDays = { metric: 'max_drawdown_duration', direction: 'minimize' as const };

/** Sets holding `stored[c]` in full, one per checkpoint. */
function fullSets(rule: PruningRule, stored: number[][] = []): CheckpointValues[] {
  return Array.from({ length: rule.checkpoints }, (_, c) => {
    const values = [...(stored[c] ?? [])].sort((a, b) => a - b);
    return new CheckpointValues({ count: values.length, from: 0, values });
  });
}

/** Runs one trial's stage values through a judge: the stage it stopped after (null: complete) and why. */
function runTrial(rule: PruningRule, sets: CheckpointValues[], values: Array<number | null>): { stopped: number | null; reason: string | null; reports: unknown[] } {
  const judge = rule.judge(sets);
  for (let k = 1; k < values.length; k++) {
    const reason = judge.afterStage(k, values[k - 1]);
    if (reason !== null) {
      judge.finish(false);
      return { stopped: k, reason, reports: judge.reports };
    }
  }
  judge.finish(true);
  return { stopped: null, reason: null, reports: judge.reports };
}

test('a window of stored ranks answers every rank it promises, whatever the batch adds, ties included', () => {
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 0, max: 20 }), { maxLength: 60 }),
      fc.array(fc.integer({ min: -2, max: 22 }), { maxLength: 8 }),
      fc.nat(80),
      fc.nat(80),
      (storedValues, addedValues, a, b) => {
        const stored = [...storedValues].sort((x, y) => x - y);
        const added = addedValues.length;
        const union = [...stored, ...addedValues].sort((x, y) => x - y);
        const [lo, hi] = [Math.min(a, b), Math.max(a, b)].map((r) => Math.min(r, union.length - 1));
        if (union.length === 0) return;
        const { from, to } = readWindow(stored.length, added, lo, hi);
        const set = new CheckpointValues({ count: stored.length, from, values: stored.slice(from, to) });
        for (const v of addedValues) set.add(v);
        assert.equal(set.size, union.length);
        for (let r = lo; r <= hi; r++) assert.equal(set.at(r), union[r], `rank ${r} of ${JSON.stringify(union)} from stored [${from}, ${to})`);
      },
    ),
    { seed: 14, numRuns: 2000 },
  );
});

test('a rank outside the window read is refused, never guessed', () => {
  const set = new CheckpointValues({ count: 100, from: 40, values: Array.from({ length: 20 }, (_, i) => 40 + i) });
  assert.equal(set.at(45), 45);
  assert.throws(() => set.at(10), RangeError);
  assert.throws(() => set.at(70), RangeError);
});

test('median: nothing is pruned before five complete trials reported at the stage; then below the median stops, at or above goes on', () => {
  const spec: PruningSpec = { rule: 'median', stages: 4, startupTrials: 5 };
  const rule = pruningRule(spec, sharpe);
  const sets = fullSets(rule);
  // Four complete trials: too few to judge, whatever the fifth does.
  for (const v of [0.1, 0.2, 0.3, 0.4]) assert.equal(runTrial(rule, sets, [v, v, v, v]).stopped, null);
  assert.equal(runTrial(rule, sets, [-5, -5, -5, -5]).stopped, null, 'the fifth complete trial is not judged');
  // Stage-1 values now: -5, 0.1, 0.2, 0.3, 0.4: the median is 0.2.
  assert.equal(sets[0].size, 5);
  const low = runTrial(rule, sets, [0.19, 1, 1, 1]);
  assert.equal(low.stopped, 1);
  assert.match(low.reason!, /^pruned after stage 1 of 4: sharpe 0\.19 is below 0\.2, the median of 5 complete trials at that stage$/);
  assert.deepEqual(low.reports, [], 'a pruned trial reports nothing to the median');
  assert.equal(runTrial(rule, sets, [0.2, 0.5, 0.5, 0.5]).stopped, null, 'at the median goes on');
  // Six values at stage 2 now (-5, 0.1, 0.2, 0.3, 0.4, 0.5): the median interpolates between the middle two, 0.25.
  assert.equal(sets[1].size, 6);
  const between = runTrial(rule, sets, [0.2, 0.24, 1, 1]);
  assert.equal(between.stopped, 2);
  assert.match(between.reason!, /sharpe 0\.24 is below 0\.25, the median of 6/);
  assert.equal(runTrial(rule, sets, [0.2, 0.26, 0.26, 0.26]).stopped, null);
});

test('median: a trial is judged by its best stage so far, as Optuna does, and each complete trial reports every stage but the last', () => {
  const rule = pruningRule({ rule: 'median', stages: 3, startupTrials: 1 }, sharpe);
  const sets = fullSets(rule, [[0, 0, 0], [1, 1, 1]]);
  const dip = runTrial(rule, sets, [2, 0.5, 9]);
  assert.equal(dip.stopped, null, 'stage 2 is below its median 1, but stage 1 was above');
  assert.deepEqual(dip.reports, [{ checkpoint: 0, value: 2 }, { checkpoint: 1, value: 0.5 }]);
  const pruned = runTrial(rule, sets, [0.1, 0.2, 9]);
  assert.equal(pruned.stopped, 2, 'stage 1 is above its median 0; at stage 2 its best, 0.2, is below 1');
  assert.match(pruned.reason!, /sharpe 0\.2 is below 1/);
  const judged = runTrial(rule, sets, [0.3, 0.1, 9]);
  assert.match(judged.reason ?? '', /sharpe 0\.3 \(its best so far\) is below 1/);
});

test('median: an undefined objective judges nothing and reports nothing; a minimised objective prunes above the median', () => {
  const rule = pruningRule({ rule: 'median', stages: 3, startupTrials: 2 }, drawdownDays);
  const sets = fullSets(rule, [[10, 20, 30], [10, 20, 30]]);
  const silent = runTrial(rule, sets, [null, null, 5]);
  assert.equal(silent.stopped, null);
  assert.deepEqual(silent.reports, []);
  const high = runTrial(rule, sets, [25, 1, 1]);
  assert.equal(high.stopped, 1);
  assert.match(high.reason!, /max_drawdown_duration 25 is above 20, the median of 3 complete trials/);
  assert.equal(runTrial(rule, sets, [20, 1, 1]).stopped, null);
});

test('asha: rungs at stages 1, η, η², … below the last; a trial goes on only among the best ⌊n/η⌋ that reached the rung', () => {
  assert.deepEqual(rungStages(4, 3), [1, 3]);
  assert.deepEqual(rungStages(10, 3), [1, 3, 9]);
  assert.deepEqual(rungStages(9, 3), [1, 3]);
  assert.deepEqual(rungStages(20, 2), [1, 2, 4, 8, 16]);
  const rule = pruningRule({ rule: 'asha', stages: 4, reductionFactor: 3 }, sharpe);
  assert.equal(rule.checkpoints, 2);
  const sets = fullSets(rule);
  // Fewer than η at the rung: only the best so far goes on (Optuna's promotion of the first η - 1).
  assert.equal(runTrial(rule, sets, [1, 1, 1, 1]).stopped, null);
  const second = runTrial(rule, sets, [0.5, 1, 1, 1]);
  assert.equal(second.stopped, 1);
  assert.deepEqual(second.reports, [{ checkpoint: 0, value: 0.5 }], 'a pruned trial still reports at the rung it reached');
  assert.match(second.reason!, /^pruned after stage 1 of 4: sharpe 0\.5 is not among the best 1 of the 2 trials that reached rung 0 \(stage 1\), which needs at least 1$/);
  assert.equal(runTrial(rule, sets, [2, 0.1, 3, 3]).stopped, null, 'the best at rung 0 and at rung 1 (stage 3)');
  // Rung 0 now holds 1, 0.5, 2; a fourth trial at 1.5: n = 4, the best 1 goes on, so 1.5 < 2 stops.
  assert.equal(runTrial(rule, sets, [1.5, 9, 9, 9]).stopped, 1);
  // Six at rung 0 after two more: the best 2 go on.
  runTrial(rule, sets, [0, 0, 0, 0]);
  const sixth = runTrial(rule, sets, [1.6, 0, 0.5, 0]);
  assert.equal(sets[0].size, 6);
  assert.equal(sixth.stopped, 3, 'second best of six at rung 0, then not the best of three at rung 1');
  assert.deepEqual(sixth.reports, [{ checkpoint: 0, value: 1.6 }, { checkpoint: 1, value: 0.5 }]);
});

test('asha: a rung whose stage has no objective is judged at the next stage that has one; minimising keeps the lowest', () => {
  const rule = pruningRule({ rule: 'asha', stages: 5, reductionFactor: 2 }, drawdownDays);
  assert.deepEqual(rungStages(5, 2), [1, 2, 4]);
  const sets = fullSets(rule, [[5, 6, 7, 8], [5, 6]]);
  const late = runTrial(rule, sets, [null, 4, 1, 1, 1]);
  // At stage 2 it reaches rungs 0 and 1 at once, with its stage-2 value: 4 is among the best 2 of 5 at rung 0, the best of 3 at rung 1.
  assert.equal(late.stopped, null);
  assert.deepEqual(late.reports, [{ checkpoint: 0, value: 4 }, { checkpoint: 1, value: 4 }, { checkpoint: 2, value: 1 }]);
  assert.equal(runTrial(rule, sets, [7, 7, 7, 7, 7]).stopped, 1);
});

test('a batch that reads only the window the rule asks for decides exactly as one that reads every report', () => {
  for (const spec of [{ rule: 'median', stages: 4, startupTrials: 5 }, { rule: 'asha', stages: 10, reductionFactor: 3 }] as PruningSpec[]) {
    for (const objective of [sharpe, drawdownDays]) {
      const rule = pruningRule(spec, objective);
      let seed = 7;
      const next = () => ((seed = (seed * 48271) % 2147483647) / 2147483647) * 4 - 2;
      const stored = Array.from({ length: rule.checkpoints }, () => Array.from({ length: 500 + Math.floor(next() * 100) }, () => Math.round(next() * 100) / 100));
      const batch = Array.from({ length: 40 }, () => Array.from({ length: spec.stages }, () => Math.round(next() * 100) / 100));
      const full = fullSets(rule, stored);
      const windowed = stored.map((values) => {
        const sorted = [...values].sort((a, b) => a - b);
        const { from, to } = rule.window(sorted.length, batch.length);
        assert.ok(to - from < 200, `${spec.rule}: reads ${to - from} of ${sorted.length}`);
        return new CheckpointValues({ count: sorted.length, from, values: sorted.slice(from, to) });
      });
      const decisions = (sets: CheckpointValues[]) => batch.map((values) => runTrial(rule, sets, values));
      const a = decisions(full), b = decisions(windowed);
      assert.deepEqual(b, a, `${spec.rule} ${objective.direction}`);
      assert.ok(a.some((d) => d.stopped !== null) && a.some((d) => d.stopped !== 1), `${spec.rule} ${objective.direction}: some pruned, some past stage 1`);
    }
  }
});
