import { Client, WorkflowNotFoundError } from '@temporalio/client';
import type { Command } from 'commander';
import { InputError } from '../../types/errors';
import { connectClient } from '../../workers/connection';
import { resolveServices } from '../services';

export function registerCancelCommand(program: Command): void {
  program
    .command('cancel')
    .description('cancel a running session: running trials are cancelled, outputs are written from what finished')
    .argument('<session>', 'session id')
    .action(async (sessionId: string) => {
      const services = await resolveServices();
      try {
        const client = new Client({ connection: await connectClient(services.target), namespace: services.target.namespace });
        try {
          await client.workflow.getHandle(sessionId).cancel();
        } catch (err) {
          if (err instanceof WorkflowNotFoundError) throw new InputError(`No running session "${sessionId}" on ${services.target.address}.`);
          throw err;
        }
        console.log(`Cancellation of session ${sessionId} requested.`);
      } finally {
        await services.stop();
      }
    });
}
