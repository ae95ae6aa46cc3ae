import type { Command } from 'commander';
import { ensureDevStack, type DevStack } from '../../services/devStack';
import { watchInterrupts } from '../interrupts';

/** How often `tuneflow dev` checks that its services still run. */
const WATCH_EVERY_MS = 2000;

/**
 * Says once when a service of the stack has exited, e.g. killed. The interval also keeps this process
 * alive, which the services, when another process started them, do not.
 */
function watchServices(stack: DevStack): NodeJS.Timeout {
  const services = [
    { label: 'The Temporal dev server', service: stack.temporal },
    { label: 'Redis', service: stack.redis },
  ];
  const reported = new Set<string>();
  return setInterval(() => {
    for (const { label, service } of services) {
      if (reported.has(label) || service.running()) continue;
      reported.add(label);
      console.error(`${label} (pid ${service.pid}) has exited; run \`tuneflow dev\` again to restart it (the other service keeps running).`);
    }
  }, WATCH_EVERY_MS);
}

export function registerDevCommand(program: Command): void {
  program
    .command('dev')
    .description('run a local Temporal dev server and Redis in the foreground, for a fleet of workers')
    .action(async () => {
      // Always the local Redis: a REDIS_URL left in the shell from an earlier stack must not stand in for it.
      const stack = await ensureDevStack({ name: 'dev' });
      const how = (started: boolean, pid: number | undefined) => `${started ? 'started' : 'already running, joined'} (pid ${pid})`;
      console.error(`Temporal dev server: ${how(stack.temporal.started, stack.temporal.pid)}; Redis: ${how(stack.redis.started, stack.redis.pid)}.`);
      console.log(`TEMPORAL_ADDRESS=${stack.temporal.info.address}`);
      console.log(`TEMPORAL_NAMESPACE=${stack.namespace}`);
      console.log(`REDIS_URL=${stack.redis.url}`);
      if (stack.temporal.info.uiUrl) console.log(`Web UI: ${stack.temporal.info.uiUrl}`);
      console.error('Press Ctrl-C to leave: the services stop when the last tuneflow process using them ends.');
      const watching = watchServices(stack);
      const interrupts = watchInterrupts(() => {
        stack.releaseNow();
        process.exit(130);
      });
      await interrupts.first;
      clearInterval(watching);
      await stack.release();
      interrupts.dispose();
    });
}
