import { BoundedBest } from '../analysis/boundedBest';
import { pointProblem } from '../search/prior';
import type { Outcome, PriorTrial } from '../search/types';
import { compileConstraints } from '../search/validate';
import { InputError } from '../errors';
import type { SessionSpec, WarmStartNote } from '../types/session';
import type { TrialRecord } from '../types/trial';
import { breaksResultConstraints, objectiveValues, succeededRecord, type RecordedTrial } from './trialRecords';
import type { TrialStore } from '../store/trialStore';

/**
 * JSON the trials of a warm start take at most. They reach the workflow as one activity result, which Temporal
 * fails above 2 MB and warns about above 512 KB; a thousand trials of a few parameters take about 60 KB.
 */
export const WARM_START_BYTES = 256 * 1024;

/** The trials a new session's sampler is seeded with, oldest first, and what the outputs say of them. */
export interface WarmStart {
  trials: PriorTrial[];
  note: WarmStartNote;
}

/** How the new session scores an earlier trial, better first: ranked by its objective, infeasible, or not ranked at all. */
const Standing = { Ranked: 0, Infeasible: 1, Unranked: 2 } as const;
type Standing = (typeof Standing)[keyof typeof Standing];

interface Scored {
  trialId: number;
  standing: Standing;
  /** The first objective, for ranked trials. */
  value: number;
  prior: PriorTrial;
  /** Why it is not ranked here, for unranked trials. */
  note?: string;
}

/**
 * An earlier trial scored as the new session's worker would score it: by the new objectives, `min_trades` and
 * result constraints, from the metrics the store keeps. A session that optimised another metric still seeds the
 * search with the right numbers: the store has every metric of a built-in backtest.
 */
function score(spec: SessionSpec, record: TrialRecord): Scored {
  const trial: RecordedTrial = {
    sessionId: spec.sessionId,
    trialId: record.trialId,
    params: record.params,
    objective: spec.objective,
    objectives: spec.objectives,
    minTrades: spec.minTrades,
    resultConstraints: spec.resultConstraints,
  };
  const rescored = succeededRecord(trial, record.metrics, record.attempt, record.workerId, record.durationMs);
  const of = (standing: Standing, outcome: Outcome, value = 0): Scored => ({ trialId: record.trialId, standing, value, prior: { params: record.params, outcome } });
  if (rescored.objective !== null) {
    const values = objectiveValues(rescored, spec.objectives);
    return of(Standing.Ranked, values ? { values } : { value: rescored.objective }, rescored.objective);
  }
  if (breaksResultConstraints(trial, rescored)) return of(Standing.Infeasible, { infeasible: true });
  return { ...of(Standing.Unranked, { failed: true }), note: rescored.note };
}

/**
 * The best succeeded trials of the session `spec.warmStart` names, for a new session's warm start: those whose
 * parameters lie in the new search space and meet its constraints, scored as the new session would score them,
 * best first by its (first) objective (then those that break a result constraint, then those it would not rank),
 * at most `spec.warmStart.trials` of them and WARM_START_BYTES of JSON, returned in the earlier session's order.
 * The store is read in pages and only the kept trials stay in memory, whatever the earlier session's size.
 * @throws InputError naming the config key when the session does not exist, searched other parameters, has no
 *   succeeded trial, none in the new space, or none with a value the new session could use.
 */
export async function readWarmStart(store: TrialStore, spec: SessionSpec): Promise<WarmStart> {
  const warm = spec.warmStart;
  if (!warm) throw new Error(`session ${spec.sessionId} has no warm start`);
  const from = warm.sessionId;
  const where = `${spec.configPath}: \`search.warm_start\``;
  const meta = await store.getMeta(from);
  if (!meta) {
    throw new InputError(`${where}: the trial store has no session "${from}"; name a session that ran on this trial store (\`tuneflow list\` shows them).`);
  }
  const earlier = meta.spec as SessionSpec;
  checkParameters(where, from, Object.keys(earlier.search.space), Object.keys(spec.search.space));

  const constraints = compileConstraints(spec.search.space, spec.search.constraints);
  const sign = spec.objective.direction === 'maximize' ? 1 : -1;
  const better = (a: Scored, b: Scored) => a.standing < b.standing || (a.standing === b.standing && (sign * (a.value - b.value) > 0 || (a.value === b.value && a.trialId < b.trialId)));
  const kept = new BoundedBest<Scored>(warm.trials, better);
  let succeeded = 0;
  let outOfSpace = 0;
  let usable = 0;
  let firstProblem = '';
  let firstUnranked = '';
  for await (const record of store.iterateTrials(from)) {
    if (record.status !== 'succeeded') continue;
    succeeded += 1;
    const problem = pointProblem(spec.search.space, constraints, record.params);
    if (problem !== null) {
      outOfSpace += 1;
      firstProblem ||= `trial ${record.trialId}: ${problem}`;
      continue;
    }
    const scored = score(spec, record);
    if (scored.standing === Standing.Unranked) firstUnranked ||= `trial ${record.trialId}: ${scored.note ?? 'not ranked'}`;
    else usable += 1;
    kept.offer(scored);
  }

  if (succeeded === 0) {
    const splits = earlier.walkForward ? `; a walk-forward session keeps its trials in its splits: name one, e.g. ${from}/split-1` : '';
    throw new InputError(`${where}: session "${from}" has no succeeded trial to start from${splits}.`);
  }
  const space = spaceText(spec);
  if (outOfSpace === succeeded) {
    throw new InputError(`${where}: none of the ${succeeded} succeeded trials of session "${from}" lies in this config's search space (${space}); ${firstProblem}. Warm-start from a session over this space, or widen it.`);
  }
  if (usable === 0) {
    throw new InputError(`${where}: none of the succeeded trials of session "${from}" in this search space would be ranked by this config (${firstUnranked}), so there is nothing to seed the search with.`);
  }
  const trials: Scored[] = [];
  let bytes = 0;
  for (const t of kept.sorted()) {
    bytes += JSON.stringify(t.prior).length;
    if (bytes > WARM_START_BYTES) break;
    trials.push(t);
  }
  trials.sort((a, b) => a.trialId - b.trialId);
  return {
    trials: trials.map((t) => t.prior),
    note: { session: from, trials: trials.length, outOfSpace, beyondCap: succeeded - outOfSpace - trials.length },
  };
}

/** A warm start needs the same parameters: a trial lacking one, or fixing one this config leaves free, is another search. */
function checkParameters(where: string, from: string, earlier: string[], now: string[]): void {
  const missing = now.filter((name) => !earlier.includes(name)).sort();
  const extra = earlier.filter((name) => !now.includes(name)).sort();
  if (missing.length === 0 && extra.length === 0) return;
  const problems = [
    ...(missing.length ? [`its trials have no value for ${missing.join(', ')}`] : []),
    ...(extra.length ? [`it also searched ${extra.join(', ')}, which this config does not`] : []),
  ];
  throw new InputError(
    `${where}: session "${from}" searched ${[...earlier].sort().join(', ')}, this config searches ${[...now].sort().join(', ')}: ${problems.join(', and ')}. ` +
      'A warm start needs a session over the same parameters.',
  );
}

/** The search space in a few words, e.g. `fast 5..50 step 5, slow 10..200 step 10, fast < slow`. */
function spaceText(spec: SessionSpec): string {
  const params = Object.entries(spec.search.space)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, d]) => (d.type === 'categorical' ? `${name} in ${JSON.stringify(d.choices)}` : `${name} ${d.low}..${d.high}${d.step === undefined ? '' : ` step ${d.step}`}`));
  return [...params, ...(spec.search.constraints ?? [])].join(', ');
}
