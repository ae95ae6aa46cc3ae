import type { HoldoutResult, SplitResult, WarmStartNote } from '../types/session';
import type { TrialRecord } from '../types/trial';

/** What the store keeps about a session besides its trials. */
export interface SessionMeta {
  sessionId: string;
  startedAt: number;
  finishedAt?: number;
  status?: string;
  spec: unknown;
  /** A walk-forward split's result, once it is evaluated out of sample. */
  result?: SplitResult;
  /** A walk-forward session's recommended set on its holdout bars, once it is evaluated. */
  holdout?: HoldoutResult;
  /** Which session's trials seeded this one's search, and how many (`search.warm_start`). */
  warmStart?: WarmStartNote;
}

/**
 * The trial store: every trial's full result, written idempotently under (session, trial id), so a retried or
 * replayed trial overwrites itself and never counts twice, and a failure never replaces a success. Returned
 * records are copies. A backend lives in a folder beside this file (`store/redis/`); activities, the CLI and
 * the aggregation see only this interface.
 */
export interface TrialStore {
  /** Stores one record; false when a stored success was kept instead of this failure. */
  putTrial(record: TrialRecord): Promise<boolean>;
  /** Stores records (of one or several sessions) with the rules of {@link putTrial}; per record, whether it was written. */
  putTrials(records: readonly TrialRecord[]): Promise<boolean[]>;
  getTrial(sessionId: string, trialId: number): Promise<TrialRecord | null>;
  /** The stored records of `ids`; absent ids are left out. */
  getTrials(sessionId: string, ids: readonly number[]): Promise<Map<number, TrialRecord>>;
  /** How many trials the session has stored, each id once. */
  countTrials(sessionId: string): Promise<number>;
  /**
   * Every stored trial of a session in id order (after `afterId`), read in pages of about `pageSize` ids so
   * memory stays flat. Trials stored while it runs are included when their id lies below the largest id at its start.
   */
  iterateTrials(sessionId: string, pageSize?: number, afterId?: number): AsyncGenerator<TrialRecord>;
  /** Up to `limit` finally failed trials with ids above `afterId`, in id order, and the id to continue after (null at the end). */
  failedTrials(sessionId: string, afterId: number, limit: number): Promise<{ trials: TrialRecord[]; next: number | null }>;
  /** Every stored trial in memory: for small sessions and tests; aggregation streams with {@link iterateTrials}. */
  allTrials(sessionId: string): Promise<TrialRecord[]>;
  /** Records a session (and indexes it, so that a session with a meta is always listed). */
  putMeta(meta: SessionMeta): Promise<void>;
  getMeta(sessionId: string): Promise<SessionMeta | null>;
  updateMeta(sessionId: string, patch: Partial<SessionMeta>): Promise<void>;
  /** Removes everything stored about one session; how many trials and keys (or rows) it removed. */
  deleteSession(sessionId: string): Promise<{ trials: number; keys: number }>;
}
