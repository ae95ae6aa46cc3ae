import { describeBest } from './checks';
import { FAULT_KINDS, type FaultRecord } from './faults';
import type { ChaosResult } from './result';
import { SPACE } from './session';

const s = (ms: number | null | undefined, digits = 1) => (ms === null ? 'never' : ms === undefined ? '–' : (ms / 1000).toFixed(digits));
const min = (ms: number) => `${(ms / 60_000).toFixed(1)} min`;
const n = (x: number) => x.toLocaleString('en-US');
const range = ([a, b]: [number, number]) => `${a / 1000}–${b / 1000} s`;
const rate = (trials: number, ms: number) => `${(trials / (ms / 1000)).toFixed(1)} trials/s`;

/** The worst (largest) of the measured times; a recovery never seen (null) is worst of all. */
function worst(values: Array<number | null | undefined>): number | null | undefined {
  if (values.some((v) => v === null)) return null;
  const measured = values.filter((v): v is number => v !== undefined);
  return measured.length === 0 ? undefined : Math.max(...measured);
}

function outageRange(outages: number[]): string {
  if (outages.length === 0) return '–';
  const [low, high] = [s(Math.min(...outages)), s(Math.max(...outages))];
  return low === high ? low : `${low}–${high}`;
}

function kindRows(faults: FaultRecord[], kinds: readonly string[]): string[] {
  return kinds.map((kind) => {
    const of = faults.filter((f) => f.kind === kind);
    const outages = of.map((f) => f.outageMs).filter((o): o is number => o !== null);
    const interrupted = of.map((f) => f.interrupted).filter((i): i is number => i !== null);
    return (
      `| ${kind} | ${of.length} | ${outageRange(outages)} | ` +
      `${s(worst(of.map((f) => f.resumeMs)), 2)} | ${s(worst(of.map((f) => f.redoMs)), 2)} | ${interrupted.length ? interrupted.reduce((a, b) => a + b, 0) : '–'} |`
    );
  });
}

/** The BENCHMARKS.md section of a chaos run: set-up, definitions, figures, checks and the fault log. */
export function renderReport(result: ChaosResult, header: { command: string; machine: string; date: string }): string {
  const { options: o, injection, verification: v } = result;
  const c = o.campaign;
  const passed = result.checks.every((check) => check.ok);
  const byKind = FAULT_KINDS.map((k) => `${k} ${injection.faults.filter((f) => f.kind === k).length}`).join(', ');
  const figures: Array<[string, string]> = [
    ['trials', n(c.trials)],
    ['session wall time under faults', result.summary ? `${min(result.sessionMs)} (${rate(c.trials, result.sessionMs)})` : 'did not finish'],
    ['same session undisturbed', result.referenceMs === null ? 'not run' : `${min(result.referenceMs)} (${rate(c.trials, result.referenceMs)})`],
    ['faults injected over', `${min(injection.windowMs)}${o.minWindowMs > 0 ? ` (at least ${o.minWindowMs / 60_000} min: ${injection.windowMs >= o.minWindowMs ? 'yes' : 'no'})` : ''}`],
    ['faults by kind', byKind + (result.partitionSkipped ? ` (partition skipped: ${result.partitionSkipped})` : '')],
  ];
  if (v) {
    const twice = v.notFinal.length + v.extraIndexEntries + v.repeatedInRankings.length + v.repeatedInTrialsCsv.length;
    figures.push(
      ['trials lost', n(v.lost.length)],
      ['trials stored twice', n(twice)],
      ['failed trials (workflow)', n(v.workflow.failed)],
      ['succeeded: store = workflow', `${n(v.storeSucceeded)} = ${n(v.workflow.succeeded)}`],
      ['best equal to the undisturbed run', `${v.bestEqual ? 'yes' : 'no'}: ${describeBest(v.best)}`],
      ['trials whose params or objective differ from the undisturbed run', n(v.differing.length)],
      ['trials stored from a retry (attempt ≥ 2)', n(v.retried)],
      ['successful executions counted by the workers', `${n(v.executions)} for ${n(v.trials)} trials`],
    );
  }
  const log = injection.faults.map(
    (f, i) => `| ${i + 1} | ${s(f.at, 0)} | ${f.kind} | ${f.detail} | ${s(f.resumeMs, 2)} | ${s(f.redoMs, 2)} | ${f.interrupted ?? '–'} |`,
  );
  return `Command: \`${header.command}\` · machine: ${header.machine} · date: ${header.date} · result: **${passed ? 'pass' : 'FAIL'}**

**Set-up.** ${n(c.trials)} trials of random search (ordered mode, seed ${c.seed}, parallelism ${c.parallelism}) over
\`sma_crossover\` (fast ${SPACE.fast[0]}..${SPACE.fast[1]} × slow ${SPACE.slow[0]}..${SPACE.slow[1]}, fast < slow) on a generated
${n(c.bars)}-bar daily series; trial heartbeat timeout ${c.heartbeatTimeout}, default retries (3 attempts from 1 s). ${o.fleet.workers}
\`tuneflow worker\` processes (\`--threads ${o.fleet.threads} --concurrency ${o.fleet.concurrency}\`)${result.partitionSkipped ? '' : ', the last inside a network namespace joined to the host by a veth pair'};
a private Temporal dev server (SQLite file${result.partitionSkipped ? '' : ', bound to 0.0.0.0 so the namespace reaches it'}) and Redis (AOF with
\`appendfsync always\`${result.partitionSkipped ? '' : ', bound to loopback and the host end of the pair'}). Afterwards the same spec (same seed and parallelism) runs
again on the same fleet without faults, as the reference.

**Faults** (sfc32 seeded with ${o.faultSeed}): one at a time, each after a quiet gap of ${range(o.gapMs)}, the kinds in a new
seeded order every round, until the session ended${o.maxFaults !== undefined ? ` or ${o.maxFaults} faults` : ''}.
- *worker-kill*: SIGKILL of a random worker among those the server shows running trials; a new worker process takes its
  slot (in the namespace, for that slot) ${range(o.timing.refillDelayMs)} later.
- *temporal-restart*: SIGKILL or SIGTERM of the dev server, started again ${range(o.timing.temporalDownMs)} later on the same port and database file.
- *redis-stop*: SIGTERM or SHUTDOWN, down for ${range(o.timing.redisDownMs)}, started again on the same port and data folder.
- *partition*: while the namespace's worker runs a trial, the host end of the veth pair set down for ${range(o.timing.redisDownMs)}, then up.

**Recovery**, two times per fault, from \`describe()\` of the session polled every 200 ms:
- *resumed*: from the moment the fleet could work again (the kill or the cut, for worker faults; the service
  accepting connections again, for outages) until the workflow schedules a trial it had not scheduled before, continues
  as new or finishes. Retries keep their activity id, so only progress of the session counts.
- *lost work redone* (worker-kill, partition): from the fault until every trial the server showed running on the
  victim right after the fault has completed, on whichever worker (its heartbeat timeout, the retry, the backtest).

| figure | value |
|---|---|
${figures.map(([k, val]) => `| ${k} | ${val} |`).join('\n')}

| fault kind | count | outage (s) | worst resumed (s) | worst lost work redone (s) | trials interrupted |
|---|---|---|---|---|---|
${kindRows(injection.faults, FAULT_KINDS).join('\n')}

| check | result | detail |
|---|---|---|
${result.checks.map((check) => `| ${check.name} | ${check.ok ? 'pass' : '**FAIL**'} | ${check.detail.replace(/\|/g, '\\|')} |`).join('\n')}

### Fault log

| # | at (s) | kind | what happened | resumed (s) | lost work redone (s) | trials interrupted |
|---|---|---|---|---|---|---|
${log.join('\n')}`;
}
