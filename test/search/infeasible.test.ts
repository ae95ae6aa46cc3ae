import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createSampler, restoreSampler, type Outcome, type SamplerConfig } from '../../search';

/** The objective rises towards x = 1, but a result beyond x = 0.6 breaks a result constraint. */
function search(algorithm: SamplerConfig['algorithm'], broken: Outcome): { lateInfeasible: number; best: number | undefined } {
  let sampler = createSampler({
    algorithm,
    space: { x: { type: 'float', low: 0, high: 1 }, y: { type: 'float', low: 0, high: 1 } },
    seed: 3,
    trials: 200,
    direction: 'maximize',
  });
  let lateInfeasible = 0;
  for (let i = 0; i < 200; i++) {
    const trial = sampler.suggest();
    if (!trial) break;
    const x = trial.params.x as number;
    const y = trial.params.y as number;
    if (x > 0.6) {
      if (i >= 100) lateInfeasible += 1;
      sampler.update(trial.id, broken);
    } else {
      sampler.update(trial.id, { value: x + 0.1 * y });
    }
    // A rebuilt sampler (continue-as-new) goes on from the same state: the infeasible loss survives JSON.
    if (i === 150) {
      const rebuilt = restoreSampler(sampler.state());
      assert.deepEqual(rebuilt.state(), sampler.state());
      sampler = rebuilt;
    }
  }
  return { lateInfeasible, best: sampler.best()?.value };
}

// The genetic sampler's population keeps only its best members, so neither an infeasible nor a failed trial ever
// joins it: telling them apart changes nothing there.
for (const algorithm of ['tpe', 'cmaes', 'gp'] as const) {
  test(`${algorithm}: infeasible results steer the search away from their region; failures do not`, () => {
    const steered = search(algorithm, { infeasible: true });
    const blind = search(algorithm, { failed: true });
    assert.ok(
      steered.lateInfeasible < blind.lateInfeasible * 0.75,
      `infeasible proposals among trials 101-200: ${steered.lateInfeasible} when told, ${blind.lateInfeasible} when not`,
    );
    assert.ok((steered.best ?? 0) > 0.5, `the feasible best is still found: ${steered.best}`);
  });
}

test('an infeasible trial is never the best, and random search ignores the difference', () => {
  const sampler = createSampler({ algorithm: 'random', space: { x: { type: 'int', low: 1, high: 9 } }, seed: 1, trials: 3, direction: 'maximize' });
  const a = sampler.suggest();
  const b = sampler.suggest();
  assert.ok(a && b);
  sampler.update(a.id, { infeasible: true });
  sampler.update(b.id, { value: 1 });
  assert.equal(sampler.best()?.id, b.id);
});
