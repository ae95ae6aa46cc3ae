import { Command, CommanderError } from 'commander';
import { registerBacktestCommand } from './commands/backtest';
import { registerCacheCommands } from './commands/cache';
import { registerCancelCommand } from './commands/cancel';
import { registerCheckCommand } from './commands/check';
import { registerControlCommands } from './commands/control';
import { registerDeleteCommand } from './commands/delete';
import { registerDevCommand } from './commands/dev';
import { registerEstimateCommand } from './commands/estimate';
import { registerListCommand } from './commands/list';
import { registerPlanCommand } from './commands/plan';
import { registerReportCommands } from './commands/report';
import { registerResultsCommand } from './commands/results';
import { registerRetryFailedCommand } from './commands/retryFailed';
import { registerRunCommand } from './commands/run';
import { registerStatusCommand } from './commands/status';
import { registerWatchCommand } from './commands/watch';
import { registerWorkerCommand } from './commands/worker';
import { registerWorkersCommand } from './commands/workers';
import { EXIT, reportError } from './errors';

/**
 * Commander opens an invalid value's message by echoing the value whole; tuneflow's own parsers name the flag
 * and the value (shortened) themselves, so the echo, possibly thousands of characters, goes.
 */
function withoutEcho(text: string): string {
  return text.replace(/^(command-argument value|option) '[\s\S]*?' (is invalid for argument '[^']*'|argument '[\s\S]*' is invalid)\. /, '');
}

function buildProgram(): Command {
  const program = new Command()
    .name('tuneflow')
    .description('Durable parameter tuning for trading-strategy backtests on Temporal')
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(`tuneflow: ${withoutEcho(text.replace(/^error: /, ''))}`) });
  registerRunCommand(program);
  registerCheckCommand(program);
  registerWorkerCommand(program);
  registerWorkersCommand(program);
  registerDevCommand(program);
  registerStatusCommand(program);
  registerListCommand(program);
  registerWatchCommand(program);
  registerResultsCommand(program);
  registerControlCommands(program);
  registerRetryFailedCommand(program);
  registerCancelCommand(program);
  registerDeleteCommand(program);
  registerCacheCommands(program);
  registerBacktestCommand(program);
  registerPlanCommand(program);
  registerEstimateCommand(program);
  registerReportCommands(program);
  for (const command of program.commands) command.exitOverride();
  return program;
}

/**
 * Runs one `tuneflow` command line and returns its exit code; it never exits the process itself, so the
 * input fuzzer can drive it in-process.
 */
export async function runCli(argv: string[]): Promise<number> {
  process.exitCode = undefined;
  try {
    await buildProgram().parseAsync(argv);
    const code = typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
    process.exitCode = undefined;
    return code;
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.exitCode === 0 ? EXIT.ok : EXIT.error;
    }
    return reportError(err);
  }
}

