import type { TrialRecord } from '../types/trial';

/** A trial ranked by the objective: it succeeded and its objective is a finite number. */
export type RankedTrial = TrialRecord & { objective: number };
