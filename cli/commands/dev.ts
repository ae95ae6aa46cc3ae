import type { Command } from 'commander';
import { ensureDevStack } from '../../scripts/devStack';

export function registerDevCommand(program: Command): void {
  program
    .command('dev')
    .description('run a local Temporal dev server and Redis in the foreground, for a fleet of workers')
    .action(async () => {
      const stack = await ensureDevStack({ name: 'dev' });
      if (!stack.owned) {
        console.error('A tuneflow dev stack is already running; use it:');
      }
      console.log(`TEMPORAL_ADDRESS=${stack.temporalAddress}`);
      console.log(`TEMPORAL_NAMESPACE=${stack.namespace}`);
      console.log(`REDIS_URL=${stack.redisUrl}`);
      console.log(`Web UI: ${stack.uiUrl}`);
      if (!stack.owned) return;
      console.error('Press Ctrl-C to stop.');
      await new Promise<void>((resolve) => {
        process.once('SIGINT', () => resolve());
        process.once('SIGTERM', () => resolve());
      });
      await stack.stop();
    });
}
