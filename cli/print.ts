import type { SessionCounts, SessionSummary } from '../types/session';

/** A fixed-width text table. */
export function table(header: string[], rows: unknown[][]): string {
  const cells = [header, ...rows.map((r) => r.map(formatCell))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells.map((r) => r.map((c, i) => (c ?? '').padEnd(widths[i])).join('  ').trimEnd()).join('\n');
}

export function formatCell(value: unknown): string {
  if (value === null || value === undefined) return '-';
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : value.toFixed(4);
  return String(value);
}

/** The end of `tuneflow run`: counts, the leaderboard by the (first) objective, where the outputs are. */
export function printSummary(summary: SessionSummary, metric: string, objectives?: { metric: string }[]): void {
  const { counts } = summary;
  console.log(`Session ${summary.sessionId}: ${counts.succeeded} succeeded, ${counts.failed} failed${prunedCount(counts)} (${STOPPED_BY[summary.stoppedBy]}).`);
  if (counts.unranked) {
    console.log(`${counts.unranked} succeeded trials are not ranked (no finite ${metric}, too few trades, or a broken result constraint); trials.csv says why for each.`);
  }
  if (!summary.best) console.log(`No trial was ranked (a finite ${metric}, enough trades, every result constraint met): there is no best parameter set.`);
  if (summary.leaderboard.length) {
    const names = Object.keys(summary.leaderboard[0].params).sort();
    console.log(table(['rank', 'trial', ...names, metric], summary.leaderboard.map((e, i) => [i + 1, e.trialId, ...names.map((n) => e.params[n]), e.objective])));
  }
  if (summary.holdout) {
    const { start, end, metrics } = summary.holdout;
    console.log(
      `Holdout (bars ${start}-${end - 1}, which no split saw), the recommended set backtested once: ` +
        `sharpe ${formatCell(metrics.sharpe)}, return ${formatCell(metrics.return_pct)} %, max drawdown ${formatCell(metrics.max_drawdown_pct)} %, ${formatCell(metrics.trades)} trades.`,
    );
  }
  if (objectives && summary.best) {
    console.log(`Pareto front of ${objectives.map((o) => o.metric).join(', ')}: pareto.csv in the outputs, or tuneflow results ${summary.sessionId} --pareto.`);
  }
  console.log(`Outputs: ${summary.outputDir}`);
}

/** ", 12 pruned" for a session with pruning; nothing for one without. */
export function prunedCount(counts: SessionCounts): string {
  return counts.pruned === undefined ? '' : `, ${counts.pruned} pruned`;
}

/** Why a finished session stopped suggesting, in words. */
export const STOPPED_BY: Record<SessionSummary['stoppedBy'], string> = {
  complete: 'complete',
  deadline: 'stopped at the session deadline',
  stopped: 'stopped early by tuneflow stop',
};
