import type { Command } from 'commander';
import { sessionOrSplitArgument } from '../options';
import { finishedTrials, type SessionSummary } from '../../types/session';
import { progressQuery } from '../../workflows';
import { prunedCount, STOPPED_BY } from '../print';
import { stalledOn } from '../retries';
import { resolveTemporal, sessionUrl } from '../services';
import { openSession } from '../sessionControl';

export function registerStatusCommand(program: Command): void {
  program
    .command('status')
    .description("show a session's state and progress")
    .argument('<session>', 'session id, or <session>/split-<k> for a walk-forward split', sessionOrSplitArgument)
    .option('--json', 'print JSON')
    .action(async (sessionId: string, flags: { json?: boolean }) => {
      const temporal = await resolveTemporal();
      try {
        const { handle, description } = await openSession(temporal, sessionId);
        // A finished session answers from its result; a running one from its progress query.
        const finished = description.status.name === 'COMPLETED' ? ((await handle.result()) as SessionSummary) : null;
        const progress = finished ? null : await handle.query(progressQuery).catch(() => null);
        const status = {
          sessionId,
          status: description.status.name,
          startTime: description.startTime.toISOString(),
          closeTime: description.closeTime?.toISOString() ?? null,
          progress,
          waitingOn: description.status.name === 'RUNNING' ? await stalledOn(handle).catch(() => null) : null,
          result: finished,
          webUi: sessionUrl(temporal.uiUrl, temporal.target.namespace, sessionId),
        };
        if (flags.json) {
          console.log(JSON.stringify(status, null, 2));
          return;
        }
        console.log(`Session ${sessionId}: ${status.status} (started ${status.startTime}${status.closeTime ? `, closed ${status.closeTime}` : ''})`);
        if (progress) {
          const done = finishedTrials(progress.counts);
          const steered = progress.stopping ? '; STOPPING (tuneflow stop)' : progress.paused ? '; PAUSED (tuneflow resume to go on)' : '';
          console.log(`Trials: ${done}/${progress.budget} done, ${progress.counts.failed} failed${prunedCount(progress.counts)}, ${progress.running} running; phase ${progress.phase}${steered}; workflow run ${progress.runs}`);
          if (progress.deadline) console.log(`Deadline: ${new Date(progress.deadline).toISOString()} (tuneflow extend --timeout moves it)`);
          if (progress.best) console.log(`Best: ${progress.best.objective} at trial ${progress.best.trialId} ${JSON.stringify(progress.best.params)}`);
          if (status.waitingOn) console.log(`Waiting on retries: ${status.waitingOn}`);
        }
        if (finished) {
          console.log(`Trials: ${finished.counts.succeeded} succeeded, ${finished.counts.failed} failed${prunedCount(finished.counts)} (${STOPPED_BY[finished.stoppedBy]}); outputs in ${finished.outputDir}`);
          if (finished.best) console.log(`Best: ${finished.best.objective} ${JSON.stringify(finished.best.params)}`);
        }
        if (status.webUi) console.log(`Web UI: ${status.webUi}`);
      } finally {
        await temporal.release();
      }
    });
}
