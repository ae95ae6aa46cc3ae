import { effectiveTrials, expectedMaxSharpe, meanPairwiseCorrelation, probabilisticSharpe, returnMoments } from './deflatedSharpe';
import { pboProblem, probabilityOfBacktestOverfitting } from './pbo';

/** The deflated Sharpe ratio a best trial must reach to survive deflation. */
export const DSR_PASS = 0.95;
/** Below this deflated Sharpe ratio the best trial is more likely luck than not. */
export const DSR_LUCK = 0.5;
/** Above this PBO the in-sample best lands in the lower half out of sample more often than not. */
export const PBO_OVERFIT = 0.5;

export type Verdict = 'survives deflation' | 'inconclusive' | 'likely overfit' | 'likely luck' | 'not assessed';

/** What the overfitting statistics read: per-period returns of a few trials, and a few numbers about all of them. */
export interface OverfittingInputs {
  /** N: the trials the best was chosen from (ranked by the objective). */
  trials: number;
  /** V: the variance of the per-period Sharpe ratio over the trials that have one; NaN with fewer than two. */
  sharpeVariance: number;
  bestTrialId: number;
  /** The best trial's per-period returns. */
  best: Float64Array;
  /** K trials drawn at random from all N: their per-period returns, as long as the best trial's. */
  sample: readonly Float64Array[];
  /** S, the blocks of CSCV. */
  blocks: number;
  /** Sentences about the inputs that readers should know (subsets, what was left out). */
  notes?: string[];
}

/** The best trial's deflated Sharpe ratio and the session's PBO, with every number they came from. */
export interface OverfittingReport {
  verdict: Verdict;
  /** The verdict in a sentence or two, for people. */
  explanation: string;
  /** P(true Sharpe > 0) for the best trial. */
  psr: number | null;
  /** P(true Sharpe > the expected maximum Sharpe of `trialsEffective` no-skill trials) for the best trial. */
  deflatedSharpe: number | null;
  trialsEffective: number | null;
  pbo: number | null;
  bestTrialId: number | null;
  /** N. */
  trials: number;
  /** T: per-period returns of the best trial. */
  returns: number | null;
  sharpePerPeriod: number | null;
  skewness: number | null;
  kurtosis: number | null;
  sharpeVariance: number | null;
  /** SR*: the expected maximum per-period Sharpe ratio of `trialsEffective` trials without skill. */
  expectedMaxSharpe: number | null;
  meanCorrelation: number | null;
  /** K: the trials drawn at random that the mean correlation and PBO are taken over. */
  sample: number;
  /** S of CSCV, and its C(S, S/2) splits. */
  pboBlocks: number;
  pboCombinations: number | null;
  /** λ per CSCV split, for the histogram; empty without PBO. */
  logits: number[];
  notes: string[];
}

/**
 * The probabilistic and deflated Sharpe ratios of the best trial, the effective number of trials and PBO.
 * Each number that cannot be computed is null, with a note saying why; nothing is estimated in its place.
 */
export function assessOverfitting(inputs: OverfittingInputs): OverfittingReport {
  const notes = [...(inputs.notes ?? [])];
  const moments = returnMoments(inputs.best);
  const psr = finite(probabilisticSharpe(moments, 0));
  if (psr === null) notes.push('The best trial\'s returns do not vary (or their distribution is degenerate), so its Sharpe ratio has no probability.');

  const correlation = meanPairwiseCorrelation(inputs.sample);
  const meanCorrelation = finite(correlation.mean);
  const trialsEffective = effectiveTrials(inputs.trials, meanCorrelation ?? 0);
  if (inputs.trials > 1 && meanCorrelation === null) notes.push('No two sampled trials have varying returns, so the trials count as independent (effective trials = trials).');
  const variance = finite(inputs.sharpeVariance);
  let srStar: number | null = null;
  if (trialsEffective <= 1) srStar = 0;
  else if (variance !== null) srStar = expectedMaxSharpe(variance, trialsEffective);
  else notes.push('Fewer than two trials have a Sharpe ratio, so its variance across trials, and with it the deflated Sharpe ratio, is undefined.');
  const dsr = srStar === null ? null : finite(probabilisticSharpe(moments, srStar));

  let pbo: ReturnType<typeof probabilityOfBacktestOverfitting> | null = null;
  const problem = pboProblem(inputs.sample.length, inputs.best.length, inputs.blocks);
  if (problem) notes.push(`No PBO: ${problem}.`);
  else pbo = probabilityOfBacktestOverfitting(inputs.sample, inputs.blocks);
  if (pbo && pbo.dropped > 0) notes.push(`CSCV left the first ${pbo.dropped} returns out so that each of the ${pbo.blocks} blocks holds ${pbo.blockLength}.`);

  const { verdict, explanation } = verdictOf(dsr, pbo?.pbo ?? null, { run: inputs.trials, effective: trialsEffective });
  return {
    verdict,
    explanation,
    psr,
    deflatedSharpe: dsr,
    trialsEffective,
    pbo: pbo?.pbo ?? null,
    bestTrialId: inputs.bestTrialId,
    trials: inputs.trials,
    returns: moments.count,
    sharpePerPeriod: finite(moments.sharpe),
    skewness: finite(moments.skewness),
    kurtosis: finite(moments.kurtosis),
    sharpeVariance: variance,
    expectedMaxSharpe: srStar,
    meanCorrelation,
    sample: inputs.sample.length,
    pboBlocks: inputs.blocks,
    pboCombinations: pbo?.combinations ?? null,
    logits: pbo ? Array.from(pbo.logits) : [],
    notes,
  };
}

/** A report without numbers, for sessions whose trials have no returns to read (e.g. an external evaluator). */
export function unassessed(reason: string, trials: number, blocks: number): OverfittingReport {
  return {
    verdict: 'not assessed', explanation: reason, psr: null, deflatedSharpe: null, trialsEffective: null, pbo: null, bestTrialId: null, trials,
    returns: null, sharpePerPeriod: null, skewness: null, kurtosis: null, sharpeVariance: null, expectedMaxSharpe: null, meanCorrelation: null,
    sample: 0, pboBlocks: blocks, pboCombinations: null, logits: [], notes: [reason],
  };
}

/**
 * The plain-language verdict on a deflated Sharpe ratio and a PBO, and the sentences that explain it, naming
 * the `trials` run and the independent trials they are worth.
 */
export function verdictOf(dsr: number | null, pbo: number | null, trials: { run: number; effective: number }): { verdict: Verdict; explanation: string } {
  if (dsr === null) return { verdict: 'not assessed', explanation: 'The deflated Sharpe ratio could not be computed; see the notes.' };
  const bar = `the best of ${trials.run} trials with no skill at all would reach (they are worth ${formatCount(trials.effective)} independent ones)`;
  const chosen = pbo === null ? '' : ` Chosen by its in-sample Sharpe ratio, a trial ranked in the lower half out of sample in ${percent(pbo)} of the cross-validation splits (PBO).`;
  if (dsr < DSR_LUCK) {
    return { verdict: 'likely luck', explanation: `The best trial's Sharpe ratio is below what ${bar}: the probability that its true Sharpe ratio beats that is only ${percent(dsr)} (deflated Sharpe).${chosen}` };
  }
  if (pbo !== null && pbo > PBO_OVERFIT) {
    return {
      verdict: 'likely overfit',
      explanation: `The probability that the best trial's true Sharpe ratio beats what ${bar} is ${percent(dsr)} (deflated Sharpe), but choosing by past performance does not carry over to unseen data.${chosen}`,
    };
  }
  if (dsr >= DSR_PASS) {
    return { verdict: 'survives deflation', explanation: `With probability ${percent(dsr)} the best trial's true Sharpe ratio beats what ${bar} (deflated Sharpe).${chosen}` };
  }
  return {
    verdict: 'inconclusive',
    explanation: `The probability that the best trial's true Sharpe ratio beats what ${bar} is ${percent(dsr)} (deflated Sharpe), short of the ${percent(DSR_PASS)} that would rule luck out.${chosen}`,
  };
}

function formatCount(n: number): string {
  return n >= 10 ? String(Math.round(n)) : String(Math.round(n * 10) / 10);
}

function percent(p: number): string {
  return `${(Math.round(p * 1000) / 10).toString()} %`;
}

function finite(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}
