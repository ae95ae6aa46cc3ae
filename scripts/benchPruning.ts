/**
 * `npm run bench:pruning`: the same TPE search (ordered, batches of `PARALLELISM` trials) run with no pruning,
 * with the median rule and with asha, for several seeds, on two long generated series (a random walk, where no
 * parameter set has an edge that lasts, and the same walk with a slow price cycle, where some do), in this process: the sampler as the workflow drives it,
 * each batch evaluated by the code a worker's backtest thread runs (`runBacktestTrials`, or `runStagedBacktests`
 * against the session's reports, read as a batch reads them: the window of ranks the rule asks for), outcomes
 * fed back as the workflow feeds them (a pruned trial as infeasible). Reports compute saved (bars of the window
 * the trials covered, CPU time of the evaluations) and quality kept (the best complete trial's Sharpe ratio, which
 * is its full-window backtest's), and writes the "Pruning" section of BENCHMARKS.md.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runBacktestTrials, runStagedBacktests } from '../evaluators/backtest';
import { trialBacktest } from '../evaluators/brokerOptions';
import { prunedRecord, succeededRecord } from '../activities/trialRecords';
import { noBacktestPhases } from '../evaluators/phases';
import { formatCsv, generateBars, loadCsv, runBacktest, stageEnds, type Bars, type Params } from '../backtest';
import type { StoredReports } from '../pruning/checkpointValues';
import { describePruning, pruningRule, type StageReport } from '../pruning/rules';
import { createSampler } from '../search';
import type { Outcome, SamplerConfig, Suggestion } from '../search/types';
import type { BacktestEvaluatorSpec, PruningSpec } from '../types/session';
import type { TrialRecord } from '../types/trial';
import { machineDescription, trialsWanted, writeBenchmarkSection } from '../harness/benchReport';

const BARS = 10_000;
/** The cycle of the second series: its period in bars and its amplitude in log price. */
const CYCLE = { bars: 250, amplitude: 0.2 };
const SEEDS = 10;
const PARALLELISM = 8;
const OBJECTIVE = { metric: 'sharpe', direction: 'maximize' as const };
const RULES: Array<{ label: string; pruning: PruningSpec | null }> = [
  { label: 'none', pruning: null },
  { label: 'median', pruning: { rule: 'median', stages: 4, startupTrials: 5 } },
  { label: 'asha', pruning: { rule: 'asha', stages: 4, reductionFactor: 3 } },
  // What staging itself costs: every trial runs every stage and is measured at each, none is ever pruned.
  { label: 'stages only', pruning: { rule: 'median', stages: 4, startupTrials: Number.MAX_SAFE_INTEGER } },
];

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

interface SessionResult {
  trials: number;
  pruned: number;
  bars: number;
  cpuMs: number;
  simulationMs: number;
  statisticsMs: number;
  best: { params: Params; sharpe: number } | null;
}

/** The reports of a session as the trial store keeps them: per checkpoint, every trial's value. */
class ReportsInMemory {
  private readonly sets: number[][];

  constructor(checkpoints: number) {
    this.sets = Array.from({ length: checkpoints }, () => []);
  }

  /** What a batch reads: per checkpoint the count and the window of ranks the rule asks for (as PruningReports.read). */
  read(rule: ReturnType<typeof pruningRule>, added: number): StoredReports[] {
    return this.sets.map((values) => {
      const sorted = [...values].sort((a, b) => a - b);
      const { from, to } = rule.window(sorted.length, added);
      return { count: sorted.length, from, values: sorted.slice(from, to) };
    });
  }

  add(reports: StageReport[]): void {
    for (const r of reports) this.sets[r.checkpoint].push(r.value);
  }
}

function runSession(spec: BacktestEvaluatorSpec, config: SamplerConfig, pruning: PruningSpec | null, barCount: number): SessionResult {
  const sampler = createSampler(config);
  const rule = pruning && pruningRule(pruning, OBJECTIVE);
  const reports = rule ? new ReportsInMemory(rule.checkpoints) : null;
  const ends = pruning ? stageEnds({ start: 0, end: barCount }, pruning.stages) : [];
  const phases = noBacktestPhases();
  const result: SessionResult = { trials: 0, pruned: 0, bars: 0, cpuMs: 0, simulationMs: 0, statisticsMs: 0, best: null };
  for (;;) {
    const batch: Suggestion[] = [];
    while (batch.length < PARALLELISM) {
      const next = sampler.suggest();
      if (!next) break;
      batch.push(next);
    }
    if (batch.length === 0) break;
    const paramSets = batch.map((t) => t.params);
    const cpu = process.cpuUsage();
    const records: TrialRecord[] = [];
    if (rule && pruning && reports) {
      const runs = runStagedBacktests(spec, paramSets, { pruning, objective: OBJECTIVE, reports: reports.read(rule, batch.length) }, phases);
      runs.forEach((run, i) => {
        if (run instanceof Error) throw run;
        const trial = { sessionId: 'bench', trialId: batch[i].id, params: batch[i].params, objective: OBJECTIVE };
        records.push(run.stages.pruned ? prunedRecord(trial, run.metrics, run.stages.pruned, 1, 'bench', 0) : succeededRecord(trial, run.metrics, 1, 'bench', 0));
        reports.add(run.stages.reports);
        result.bars += run.stages.pruned ? ends[run.stages.pruned.stage - 1] : barCount;
      });
    } else {
      runBacktestTrials(spec, paramSets, phases).forEach((metrics, i) => {
        if (metrics instanceof Error) throw metrics;
        records.push(succeededRecord({ sessionId: 'bench', trialId: batch[i].id, params: batch[i].params, objective: OBJECTIVE }, metrics, 1, 'bench', 0));
        result.bars += barCount;
      });
    }
    const used = process.cpuUsage(cpu);
    result.cpuMs += (used.user + used.system) / 1000;
    for (const record of records) {
      // As the workflow settles a batch's outcomes.
      const outcome: Outcome = record.status === 'pruned' ? { infeasible: true } : record.objective === null ? { failed: true } : { value: record.objective };
      sampler.update(record.trialId, outcome);
      result.trials += 1;
      if (record.status === 'pruned') result.pruned += 1;
      else if (record.objective !== null && (!result.best || record.objective > result.best.sharpe)) result.best = { params: record.params, sharpe: record.objective };
    }
  }
  result.simulationMs = phases.simulation;
  result.statisticsMs = phases.statistics;
  return result;
}

/** The walk with a slow sine cycle in its log price, which a moving-average crossover of the right length rides. */
function withCycle(bars: Bars): Bars {
  const factor = Float64Array.from({ length: bars.length }, (_, i) => Math.exp(CYCLE.amplitude * Math.sin((2 * Math.PI * i) / CYCLE.bars)));
  const scaled = (prices: Float64Array) => Float64Array.from(prices, (p, i) => Math.round(p * factor[i] * 100) / 100);
  return { ...bars, open: scaled(bars.open), high: scaled(bars.high), low: scaled(bars.low), close: scaled(bars.close) };
}

function quantile(sorted: number[], q: number): number {
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at), hi = Math.ceil(at);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (at - lo);
}

const medianOf = (values: number[]) => quantile([...values].sort((a, b) => a - b), 0.5);

function main(): void {
  const trials = trialsWanted(200, 20);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tuneflow-bench-pruning-'));
  try {
    const walk = generateBars({ seed: 2026, bars: BARS, interval: '1d', weekends: false, start: '1985-01-02', mu: 0.06, sigma: 0.25, startPrice: 100 });
    const datasets = [
      { label: 'random walk', bars: walk },
      { label: `walk + ${CYCLE.bars}-bar cycle`, bars: withCycle(walk) },
    ];
    const space = { fast: { type: 'int' as const, low: 2, high: 100 }, slow: { type: 'int' as const, low: 10, high: 400 } };
    const rows: string[] = [];
    for (const [d, dataset] of datasets.entries()) {
      const dataPath = path.join(dir, `prices-${d}.csv`);
      fs.writeFileSync(dataPath, formatCsv(dataset.bars));
      const bars = loadCsv(dataPath);
      const spec: BacktestEvaluatorSpec = { kind: 'backtest', dataPath, strategy: 'sma_crossover', cash: 10_000, commission: 0.001 };
      const results = new Map<string, SessionResult[]>(RULES.map((r) => [r.label, []]));
      // Warm the engine up once, so the first rule measured does not pay for the JIT.
      runSession(spec, { algorithm: 'tpe', space, constraints: ['fast < slow'], seed: 999, trials: 40, direction: 'maximize', parallelism: PARALLELISM, mode: 'ordered' }, RULES[1].pruning, bars.length);
      for (let seed = 1; seed <= SEEDS; seed++) {
        const config: SamplerConfig = { algorithm: 'tpe', space, constraints: ['fast < slow'], seed, trials, direction: 'maximize', parallelism: PARALLELISM, mode: 'ordered' };
        for (const rule of RULES) {
          const result = runSession(spec, config, rule.pruning, bars.length);
          if (result.best) {
            // The best complete trial's objective is its full-window backtest's: checked here, not assumed.
            const full = runBacktest(bars, 'sma_crossover', result.best.params, trialBacktest(spec, result.best.params, undefined).options).metrics.sharpe;
            if (full !== result.best.sharpe) throw new Error(`seed ${seed}, ${rule.label}: the best trial's Sharpe ${result.best.sharpe} is not its full-window backtest's ${full}`);
          }
          results.get(rule.label)!.push(result);
          console.error(`${dataset.label}, seed ${seed}, ${rule.label}: ${result.pruned}/${result.trials} pruned, ${fmt(result.cpuMs)} ms CPU, best sharpe ${result.best ? fmt(result.best.sharpe, 4) : '-'}`);
        }
      }
      rows.push(...tableRows(dataset.label, results));
    }

    writeBenchmarkSection(
      'Pruning',
      `Command: \`npm run bench:pruning\` · machine: ${machineDescription()} · date: ${new Date().toISOString().slice(0, 10)}

The same search run three ways for each of ${SEEDS} seeds (and a fourth that stages every trial and prunes none, to
measure what staging itself costs): TPE (ordered mode, batches of ${PARALLELISM}), ${fmt(trials)} trials of
\`sma_crossover\` over fast 2..100 × slow 10..400 (fast < slow), maximizing the Sharpe ratio (commission 0.1 %), with no pruning,
\`pruning: { stages: 4, rule: median }\` and \`pruning: { stages: 4, rule: asha }\`, on two series of ${fmt(BARS)} generated daily
bars: a random walk (seed 2026, drift 6 %, volatility 25 % a year), where no parameter set has an edge that lasts, and the
same walk times a slow cycle (${CYCLE.bars} bars, ±${CYCLE.amplitude * 100} % in log price), which some moving-average pairs ride
all along. In one process, no Temporal: each batch runs through the code a worker's backtest thread runs, against the
reports a batch reads from the trial store (the window of ranks the rule asks for), and the outcomes go back to the
sampler as the workflow sends them (a pruned trial as infeasible). Bars: the bars of the window the trials covered (a
trial pruned after stage k covers the first k/4). CPU: of the batches' evaluations, summed; simulation and statistics:
the engine's own phase times; all three against no pruning. Best: the best complete trial's Sharpe ratio, which is its
backtest on the full window (checked against a plain backtest of its parameters); gap: no pruning's best minus this
rule's, median over seeds; as good: seeds where the rule's best is at least no pruning's.

| series | rule | trials pruned | bars | CPU of trials | simulation / statistics | best sharpe, median (quartiles) | gap | as good |
|---|---|---|---|---|---|---|---|---|
${rows.join('\n')}

What a stage costs: the broker runs once over the window, on from each stage's end, and a stage is measured on a copy
of its state closed there; the return terms of the periods it has passed are kept from stage to stage, so a trial that
runs every stage costs one plain backtest plus, at each stage's end, the sums over those terms and the other passes
its objective reads (the "stages only" rows), and a pruned trial its share of the bars plus its stage's statistics. The indicators and the strategy's targets are computed over the whole window before
the first stage, as a batch shares them: here that is about a quarter of a trial, which pruning does not save, so CPU
falls less than bars. On the random walk an early Sharpe ratio says little about the whole window's, and pruning on it
costs quality; where an edge lasts, the early stages already show it. The timing columns want a re-run on a quiet machine.`,
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** One table row per rule for one series. */
function tableRows(series: string, results: Map<string, SessionResult[]>): string[] {
  const none = results.get('none')!;
  return RULES.map(({ label, pruning }) => {
    const runs = results.get(label)!;
    const sum = (of: (r: SessionResult) => number) => runs.reduce((n, r) => n + of(r), 0);
    const bests = runs.map((r) => r.best?.sharpe ?? NaN).sort((a, b) => a - b);
    const gaps = runs.map((r, i) => (none[i].best?.sharpe ?? NaN) - (r.best?.sharpe ?? NaN));
    const asGood = runs.filter((r, i) => (r.best?.sharpe ?? -Infinity) >= (none[i].best?.sharpe ?? Infinity)).length;
    const share = (of: (r: SessionResult) => number) => `${fmt((100 * sum(of)) / none.reduce((n, r) => n + of(r), 0), 1)} %`;
    const described = label === 'stages only' ? ' (4 stages, every trial measured at each, none pruned)' : pruning ? ` (${describePruning(pruning)})` : '';
    return `| ${series} | ${label}${described} | ${fmt(sum((r) => r.pruned))} of ${fmt(sum((r) => r.trials))} | ` +
      `${share((r) => r.bars)} | ${share((r) => r.cpuMs)} (${fmt(sum((r) => r.cpuMs) / 1000, 2)} s) | ${share((r) => r.simulationMs)} / ${share((r) => r.statisticsMs)} | ` +
      `${fmt(quantile(bests, 0.5), 4)} (${fmt(quantile(bests, 0.25), 4)}–${fmt(quantile(bests, 0.75), 4)}) | ${label === 'none' ? '—' : fmt(medianOf(gaps), 4)} | ${label === 'none' ? '—' : `${asGood} of ${SEEDS}`} |`;
  });
}

main();
