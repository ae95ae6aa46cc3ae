import type { ChaosResult, Check } from './result';

const list = (ids: number[]) => (ids.length === 0 ? 'none' : `${ids.length} (${ids.slice(0, 10).join(', ')}${ids.length > 10 ? ', …' : ''})`);

/** The pass/fail verdicts of a chaos run; any failed check makes the run fail. */
export function evaluateChecks(result: ChaosResult): Check[] {
  const checks: Check[] = [];
  const add = (name: string, ok: boolean, detail: string) => checks.push({ name, ok, detail });
  add('the session and the undisturbed run finished', result.error === null && result.verification !== null, result.error ?? 'yes');

  const { faults, windowMs, unexpectedExits } = result.injection;
  const missingKinds = result.kinds.filter((kind) => !faults.some((f) => f.kind === kind));
  add('every fault kind injected', missingKinds.length === 0, missingKinds.length === 0 ? result.kinds.join(', ') : `never: ${missingKinds.join(', ')}`);
  const unrecovered = faults.filter((f) => f.resumeMs === null || f.redoMs === null);
  add('every fault recovered from', unrecovered.length === 0, unrecovered.length === 0 ? `${faults.length} faults` : `not within the cap: ${unrecovered.map((f) => `${f.kind} at ${(f.at / 1000).toFixed(0)} s`).join(', ')}`);
  add('no worker exited on its own', unexpectedExits.length === 0, unexpectedExits.length === 0 ? 'none' : unexpectedExits.join('; '));
  if (result.options.minWindowMs > 0) {
    add(`faults over at least ${result.options.minWindowMs / 60_000} min`, windowMs >= result.options.minWindowMs, `${(windowMs / 60_000).toFixed(1)} min`);
  }

  const v = result.verification;
  if (!v) return checks;
  add('trials lost (ids 1..N missing from the store)', v.lost.length === 0, list(v.lost));
  const twice = v.notFinal.length + v.extraIndexEntries + v.repeatedInRankings.length + v.repeatedInTrialsCsv.length;
  add(
    'trials stored twice',
    twice === 0,
    `${twice}: records that are not one final record ${list(v.notFinal)}; extra index entries ${v.extraIndexEntries}; ` +
      `ids twice in rankings.csv ${list(v.repeatedInRankings)}, in trials.csv ${list(v.repeatedInTrialsCsv)} (${v.trialsCsvRows} rows)`,
  );
  add(
    'succeeded in the store = succeeded in the workflow = N',
    v.storeSucceeded === v.workflow.succeeded && v.workflow.succeeded === v.trials && v.workflow.failed === 0,
    `${v.storeSucceeded} = ${v.workflow.succeeded} = ${v.trials} (workflow failed: ${v.workflow.failed})`,
  );
  add(
    'best equal to the undisturbed run',
    v.bestEqual,
    `${describeBest(v.best)}${v.bestEqual ? '' : ` vs undisturbed ${describeBest(v.referenceBest)}`}`,
  );
  add('every trial equal to the undisturbed run (params and objective)', v.differing.length === 0, `differing: ${list(v.differing)}`);
  return checks;
}

export function describeBest(best: { trialId: number; params: Record<string, unknown>; objective: number } | null): string {
  return best ? `trial ${best.trialId} ${JSON.stringify(best.params)} objective ${best.objective}` : 'none';
}
