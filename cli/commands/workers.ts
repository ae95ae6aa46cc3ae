import type { Command } from 'commander';
import { ALIVE_WITHIN_MS, WorkerStatsStore } from '../../store/redis/workerStats';
import { table } from '../print';
import { withTrialStore } from '../storeAccess';

export function registerWorkersCommand(program: Command): void {
  program
    .command('workers')
    .description('the fleet: every worker seen, alive or gone, with its trial statistics')
    .option('--json', 'print JSON')
    .action(async (flags: { json?: boolean }) => {
      await withTrialStore(async ({ redis }) => {
        const now = Date.now();
        const workers = (await new WorkerStatsStore(redis).list()).map((w) => ({ ...w, alive: now - w.lastSeen <= ALIVE_WITHIN_MS }));
        if (flags.json) {
          console.log(JSON.stringify(workers, null, 2));
          return;
        }
        if (workers.length === 0) {
          console.log('No worker has reported yet.');
          return;
        }
        console.log(
          table(
            ['worker', 'state', 'current', 'done', 'failed', 'retried', 'busy s', 'mean ms', 'last seen'],
            workers.map((w) => [
              w.workerId,
              w.alive ? 'alive' : 'gone',
              w.currentTrials,
              w.trialsDone,
              w.trialsFailed,
              w.trialsRetried,
              Math.round(w.busyMs / 1000),
              w.meanTrialMs === null ? null : Math.round(w.meanTrialMs * 10) / 10,
              `${Math.round((now - w.lastSeen) / 1000)} s ago`,
            ]),
          ),
        );
      });
    });
}
