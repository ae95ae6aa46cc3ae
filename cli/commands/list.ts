import { Client } from '@temporalio/client';
import type { Command } from 'commander';
import { connectClient } from '../../workers/connection';
import { oneOf, positiveInt } from '../options';
import { table } from '../print';
import { resolveTemporal } from '../services';
import { LIST_STATUSES, listSessions, type ListStatus, type SessionRow } from '../sessionList';

interface ListFlags {
  tag: string[];
  strategy?: string;
  status?: ListStatus;
  limit: number;
  json?: boolean;
}

const DEFAULT_LIMIT = 50;

export function registerListCommand(program: Command): void {
  program
    .command('list')
    .description('sessions on the Temporal cluster, newest first, with trials done and best score')
    .option('--tag <tag>', 'only sessions with this tag (session.tags); repeat for sessions with all of them', (tag: string, tags: string[]) => [...tags, tag], [])
    .option('--strategy <name>', 'only sessions of this strategy (as `tuneflow check` names it)')
    .option('--status <status>', `only sessions that are ${LIST_STATUSES.join(', ')} (failed: also terminated or timed out)`, oneOf('--status', LIST_STATUSES))
    .option('--limit <n>', `list at most this many (default ${DEFAULT_LIMIT})`, positiveInt('--limit'), DEFAULT_LIMIT)
    .option('--json', 'print JSON')
    .action(async (flags: ListFlags) => {
      const temporal = await resolveTemporal();
      try {
        const client = new Client({ connection: await connectClient(temporal.target), namespace: temporal.target.namespace });
        const { sessions, matched } = await listSessions(client, { tags: flags.tag, strategy: flags.strategy, status: flags.status }, flags.limit);
        if (flags.json) {
          console.log(JSON.stringify({ matched, sessions }, null, 2));
          return;
        }
        if (sessions.length === 0) {
          console.log(`No session matches on ${temporal.target.address} (a session started a moment ago shows within a few seconds).`);
          return;
        }
        console.log(
          table(
            ['session', 'status', 'started (UTC)', 'strategy', 'algorithm', 'trials', 'best', 'tags'],
            sessions.map((s) => [s.sessionId, shownStatus(s), shownTime(s.startTime), s.strategy, s.algorithm, shownTrials(s), s.bestScore, s.tags.join(',') || null]),
          ),
        );
        console.log(matched > sessions.length ? `The newest ${sessions.length} of ${matched} sessions; --limit shows more.` : `${matched} session${matched === 1 ? '' : 's'}.`);
      } finally {
        await temporal.release();
      }
    });
}

/** A running session's own state (paused, stopping) where it has one; otherwise how it ended. */
function shownStatus(s: SessionRow): string {
  if (s.status === 'RUNNING') return s.state ?? 'running';
  return s.status.toLowerCase().replace('_', ' ');
}

function shownTime(iso: string): string {
  return iso.slice(0, 19).replace('T', ' ');
}

function shownTrials(s: SessionRow): string | null {
  if (s.trialsDone === null) return s.budget === null ? null : `0/${s.budget}`;
  return s.budget === null ? String(s.trialsDone) : `${s.trialsDone}/${s.budget}`;
}
