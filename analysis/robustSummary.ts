import type { Params } from '../search/types';
import type { SelectSpec } from '../types/session';
import { formatNumber, formatParam, formatTime } from './format';
import type { HoldoutReport } from './walkForward';
import type { RobustChoice, RobustRow } from './neighbourhood';
import type { ViolationCounts } from '../config/resultConstraints';

/** A section as text, for summary.md and report.html alike: sentences, then a table. */
export interface TextSection {
  title: string;
  intro: string[];
  header: string[];
  rows: string[][];
}

export interface RobustInput {
  choice: RobustChoice;
  select: SelectSpec;
}

/** The robust choice: how it measures, what it recommends, and the `topN` rows best by robust rank. */
export function robustChoiceSection(input: RobustInput, metric: string, topN: number): TextSection {
  const { choice, select } = input;
  const params = Object.keys(choice.rows[0]?.params ?? {}).sort();
  const rec = choice.recommended;
  const intro = [
    `The ${choice.rows.length} best trials by ${metric}, each with the mean and the worst ${metric} of itself and the ranked trials within ` +
      `${formatNumber(select.radius)} of it in the normalised parameter space (each parameter scaled to [0, 1] by its range, log parameters ` +
      `in log space; a different categorical value is a distance of 1). A trial needs ${select.minNeighbours} neighbours for a robust rank, ` +
      `which orders by neighbourhood ${select.by === 'neighbourhood_worst' ? 'worst' : 'mean'}.`,
  ];
  if (rec) {
    const how = choice.fallback ? `by the objective instead of ${select.by}, since ${choice.fallback}` : `(select.by: ${select.by})`;
    intro.push(
      `Recommended ${how}: trial ${rec.trialId}, rank ${rec.rank} by ${metric}${rec.robustRank === null ? '' : `, robust rank ${rec.robustRank}`}: ${paramsText(rec.params)}.`,
    );
  }
  const ordered = [...choice.rows].sort((a, b) => (a.robustRank ?? Infinity) - (b.robustRank ?? Infinity) || a.rank - b.rank);
  return {
    title: 'Robust choice',
    intro,
    header: ['robust rank', 'rank', 'trial', metric, 'neighbourhood mean', 'neighbourhood worst', 'neighbours', ...params],
    rows: ordered.slice(0, topN).map((r: RobustRow) => [
      r.robustRank === null ? '—' : String(r.robustRank), String(r.rank), String(r.trialId) + (r === rec ? ' (recommended)' : ''),
      formatNumber(r.objective), formatNumber(r.mean), formatNumber(r.worst), String(r.neighbours), ...params.map((p) => formatParam(r.params[p])),
    ]),
  };
}

/** How many trials broke each result constraint. */
export function violationsSection(counts: ViolationCounts, succeeded: number): TextSection {
  return {
    title: 'Result constraints',
    intro: [
      `${counts.trials} of the ${succeeded} succeeded trials broke at least one result constraint: they are stored (trials.csv names the ` +
        'constraint in the note), never ranked or recommended, and the sampler leaves them out as it does failed trials.',
    ],
    header: ['constraint', 'trials that broke it'],
    rows: counts.byConstraint.map((c) => [c.constraint, String(c.trials)]),
  };
}

/** One line: `Holdout 2012-01-03 → 2012-08-31 (170 bars no split saw), recommended parameters: sharpe 0.41, return 3.2 %, …`. */
export function holdoutSentence(h: HoldoutReport, metric: string): string {
  const m = h.metrics;
  const objective = metric === 'sharpe' || metric === 'return_pct' ? '' : `${metric} ${formatNumber(m[metric])}, `;
  return `Holdout ${formatTime(h.from)} → ${formatTime(h.to)} (${h.bars} bars no split saw), recommended parameters (${paramsText(h.params)}), ` +
    `backtested once: ${objective}sharpe ${formatNumber(m.sharpe)}, return ${formatNumber(m.return_pct)} %, ` +
    `max drawdown ${formatNumber(m.max_drawdown_pct)} %, ${formatNumber(m.trades)} trades.`;
}

function paramsText(params: Params): string {
  return Object.keys(params).sort().map((p) => `${p}=${formatParam(params[p])}`).join(', ');
}
