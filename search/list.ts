import type { BestTrial, Outcome, Sampler, SamplerConfig, SamplerState, Suggestion } from './types';
import { ranksBefore } from './ranking';

interface ListFields {
  kind: 'list';
  trials: Suggestion[];
  /** Index of the next trial to propose. */
  next: number;
  /** Ids updated so far. */
  updated: number[];
  best: BestTrial | null;
}

export type ListState = SamplerState & ListFields;

/**
 * Proposes a given list of trials, in order and under their own ids, instead of searching: the finally failed
 * trials of a finished session run again (`tuneflow retry-failed`). Its budget is the list.
 */
export class ListSampler implements Sampler {
  private readonly s: ListState;
  private readonly updated: Set<number>;

  constructor(state: ListState) {
    this.s = JSON.parse(JSON.stringify(state)) as ListState;
    this.updated = new Set(this.s.updated);
  }

  /** `config` is the session's search config: its direction ranks the list's results. */
  static of(trials: Suggestion[], config: SamplerConfig): ListSampler {
    return new ListSampler({ version: 1, config: { ...config, trials: trials.length }, kind: 'list', trials, next: 0, updated: [], best: null });
  }

  suggest(): Suggestion | null {
    const trial = this.s.trials[this.s.next];
    if (!trial) return null;
    this.s.next += 1;
    return { id: trial.id, params: { ...trial.params } };
  }

  update(id: number, outcome: Outcome): void {
    const trial = this.s.trials.find((t) => t.id === id);
    if (!trial) throw new RangeError(`trial ${id} is not in the list`);
    if (this.updated.has(id)) return;
    this.updated.add(id);
    this.s.updated.push(id);
    if ('failed' in outcome || 'infeasible' in outcome) return;
    // With several objectives the best is by the first, as for the session's own sampler.
    const values = 'value' in outcome ? [outcome.value] : outcome.values;
    const value = values[0] as number;
    if (!values.every(Number.isFinite)) return;
    const best = this.s.best;
    if (!best || ranksBefore(this.s.config.direction, value, id, best.value, best.id)) {
      this.s.best = { id, params: { ...trial.params }, value, ...(values.length > 1 ? { values: [...values] } : {}) };
    }
  }

  isComplete(): boolean {
    return this.s.next >= this.s.trials.length && this.updated.size >= this.s.trials.length;
  }

  best(): BestTrial | null {
    return this.s.best && { ...this.s.best, params: { ...this.s.best.params } };
  }

  budget(): number {
    return this.s.trials.length;
  }

  setBudget(trials: number): void {
    if (trials !== this.s.trials.length) throw new RangeError('a list of trials has no budget to change');
  }

  proposed(): number {
    return this.s.next;
  }

  warmStart(): number {
    throw new RangeError('a list of trials takes no warm start: it proposes the list as it is');
  }

  /** The id of the last trial proposed, 0 before the first. */
  lastProposedId(): number {
    return this.s.next > 0 ? (this.s.trials[this.s.next - 1] as Suggestion).id : 0;
  }

  state(): SamplerState {
    return JSON.parse(JSON.stringify(this.s)) as SamplerState;
  }
}
