import { InvalidArgumentError, type Command } from 'commander';
import { LIMITS } from '../../config/bounds';
import { parseDuration } from '../../config/duration';
import { InputError } from '../../errors';
import { finishedTrials, type ExtendRequest, type SessionProgress } from '../../types/session';
import { prunedCount } from '../print';
import { extendUpdate, pauseUpdate, resumeUpdate, stopUpdate } from '../../workflows/control';
import { sessionOrSplitArgument } from '../options';
import { sendControl, withRunningSession } from '../sessionControl';

interface JsonFlag {
  json?: boolean;
}

export function registerControlCommands(program: Command): void {
  program
    .command('pause')
    .description('pause a running session: no new trial starts; running ones finish; survives restarts')
    .argument('<session>', 'session id, or <session>/split-<k> for a walk-forward split', sessionOrSplitArgument)
    .option('--json', 'print the session progress after the change as JSON')
    .action(async (sessionId: string, flags: JsonFlag) => {
      const progress = await withRunningSession(sessionId, (s) => sendControl(s, () => s.handle.executeUpdate(pauseUpdate)));
      report(progress, flags, `Session ${sessionId} is paused: no new trial starts until \`tuneflow resume ${sessionId}\`; the ${progress.running} running finish.`);
    });

  program
    .command('resume')
    .description('resume a paused session')
    .argument('<session>', 'session id, or <session>/split-<k> for a walk-forward split', sessionOrSplitArgument)
    .option('--json', 'print the session progress after the change as JSON')
    .action(async (sessionId: string, flags: JsonFlag) => {
      const progress = await withRunningSession(sessionId, (s) => sendControl(s, () => s.handle.executeUpdate(resumeUpdate)));
      report(progress, flags, `Session ${sessionId} runs again.`);
    });

  program
    .command('extend')
    .description("raise (or lower, not below what has started) a running session's trial budget or move its deadline")
    .argument('<session>', 'session id, or <session>/split-<k> for a walk-forward split', sessionOrSplitArgument)
    .option('--trials <n>', 'the new trial budget (total, not added)', trialBudget)
    .option('--timeout <duration>', 'the new session timeout from its start, e.g. 6h or 2d; `none` for no deadline', sessionTimeout)
    .option('--json', 'print the session progress after the change as JSON')
    .action(async (sessionId: string, flags: JsonFlag & { trials?: number; timeout?: number | null }) => {
      if (flags.trials === undefined && flags.timeout === undefined) {
        throw new InputError('tuneflow extend needs --trials N, --timeout DURATION, or both.');
      }
      const request: ExtendRequest = {
        ...(flags.trials !== undefined ? { trials: flags.trials } : {}),
        ...(flags.timeout !== undefined ? { timeoutMs: flags.timeout } : {}),
      };
      const progress = await withRunningSession(sessionId, (s) => sendControl(s, () => s.handle.executeUpdate(extendUpdate, { args: [request] })));
      const deadline = progress.deadline ? `deadline ${new Date(progress.deadline).toISOString()}` : 'no deadline';
      report(progress, flags, `Session ${sessionId}: budget ${progress.budget} trials, ${deadline}.`);
    });

  program
    .command('stop')
    .description('stop a running session early: no new trial starts, running ones finish, then outputs are written (unlike cancel)')
    .argument('<session>', 'session id, or <session>/split-<k> for a walk-forward split', sessionOrSplitArgument)
    .option('--json', 'print the session progress after the change as JSON')
    .action(async (sessionId: string, flags: JsonFlag) => {
      const progress = await withRunningSession(sessionId, (s) => sendControl(s, () => s.handle.executeUpdate(stopUpdate)));
      report(progress, flags, `Session ${sessionId} is stopping: the ${progress.running} running trials finish, then its outputs are written.`);
    });
}

function report(progress: SessionProgress, flags: JsonFlag, headline: string): void {
  if (flags.json) {
    console.log(JSON.stringify(progress, null, 2));
    return;
  }
  console.log(headline);
  console.log(`Trials: ${finishedTrials(progress.counts)}/${progress.budget} done, ${progress.counts.failed} failed${prunedCount(progress.counts)}, ${progress.running} running.`);
}

function trialBudget(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > LIMITS.maxTrials) {
    throw new InvalidArgumentError(`--trials takes a whole number from 1 to ${LIMITS.maxTrials}, got "${value}".`);
  }
  return n;
}

function sessionTimeout(value: string): number | null {
  if (value === 'none') return null;
  const ms = parseDuration(value);
  if (ms === null || ms <= 0) {
    throw new InvalidArgumentError(`--timeout takes a duration such as 90m, 6h or 2d (or none), got "${value}".`);
  }
  return ms;
}
