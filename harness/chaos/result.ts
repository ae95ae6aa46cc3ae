import type { SessionSummary } from '../../types/session';
import type { FaultKind, FaultTiming } from './faults';
import type { InjectionLog } from './injector';
import type { CampaignOptions } from './session';
import type { Verification } from './verify';

/** One pass/fail verdict of a chaos run. */
export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

export interface ChaosOptions {
  campaign: CampaignOptions;
  fleet: { workers: number; threads: number; concurrency: number };
  faultSeed: number;
  timing: FaultTiming;
  /** Quiet time before each fault (ms). */
  gapMs: [number, number];
  /** Stop injecting after this many faults; unlimited (until the session ends) when not given. */
  maxFaults?: number;
  /** The faults must span at least this long, or the run fails (0: no minimum). */
  minWindowMs: number;
  /** No trial stored for this long means the session hangs: the run stops and fails. */
  stallMs: number;
  /** Run one worker in a network namespace and partition it (skipped, with the reason, where that cannot work). */
  netns: boolean;
  /** Work folder: campaign, outputs, server data and worker logs. */
  dir: string;
  log: (line: string) => void;
  /** Aborting stops the run (Ctrl-C); everything started is still cleaned up. */
  signal?: AbortSignal;
}

export interface ChaosResult {
  options: ChaosOptions;
  kinds: FaultKind[];
  /** Why the partition fault did not run, or null when it did. */
  partitionSkipped: string | null;
  injection: InjectionLog;
  sessionId: string;
  summary: SessionSummary | null;
  sessionMs: number;
  referenceMs: number | null;
  verification: Verification | null;
  /** Why the run stopped before it could verify (a hang, a failed workflow, a service that did not start). */
  error: string | null;
  checks: Check[];
}
