import { Client, WorkflowNotFoundError } from '@temporalio/client';
import type { Command } from 'commander';
import { sessionIdArgument } from '../options';
import { InputError } from '../../errors';
import { connectClient } from '../../workers/connection';
import { resolveTemporal } from '../services';

export function registerCancelCommand(program: Command): void {
  program
    .command('cancel')
    .description('cancel a running session: running trials are cancelled, outputs are written from what finished')
    .argument('<session>', 'session id', sessionIdArgument)
    .action(async (sessionId: string) => {
      const temporal = await resolveTemporal();
      try {
        const client = new Client({ connection: await connectClient(temporal.target), namespace: temporal.target.namespace });
        try {
          await client.workflow.getHandle(sessionId).cancel();
        } catch (err) {
          if (err instanceof WorkflowNotFoundError) throw new InputError(`No running session "${sessionId}" on ${temporal.target.address}.`);
          throw err;
        }
        console.log(`Cancellation of session ${sessionId} requested.`);
      } finally {
        await temporal.release();
      }
    });
}
