import type { Direction, Params } from '../search/types';
import type { LeaderboardEntry } from '../types/session';
import { ranksBefore } from '../search/ranking';

/**
 * The best trials so far, bounded to `size` entries so it can ride along through continue-as-new.
 * Ordered as everywhere (search/ranking.ts): the better objective first, ties to the lower trial id.
 */
export class Leaderboard {
  private readonly entries: LeaderboardEntry[];

  constructor(
    private readonly direction: Direction,
    private readonly size: number,
    entries: LeaderboardEntry[] = [],
  ) {
    this.entries = [...entries];
  }

  offer(trialId: number, params: Params, objective: number): boolean {
    const entry = { trialId, params, objective };
    let at = this.entries.findIndex((e) => this.before(entry, e));
    if (at === -1) at = this.entries.length;
    if (at >= this.size) return false;
    this.entries.splice(at, 0, entry);
    if (this.entries.length > this.size) this.entries.pop();
    return at === 0;
  }

  best(): LeaderboardEntry | null {
    return this.entries[0] ?? null;
  }

  top(): LeaderboardEntry[] {
    return [...this.entries];
  }

  private before(a: LeaderboardEntry, b: LeaderboardEntry): boolean {
    return ranksBefore(this.direction, a.objective, a.trialId, b.objective, b.trialId);
  }
}
