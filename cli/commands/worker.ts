import type { Command } from 'commander';
import { DEFAULT_TASK_QUEUE } from '../../config/load';
import { connectWorker } from '../../workers/connection';
import { createTuneflowWorker } from '../../workers/worker';
import { positiveInt } from '../options';
import { resolveServices } from '../services';

interface WorkerFlags {
  taskQueue?: string;
  concurrency?: number;
  workerId?: string;
}

export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description('run a worker that executes sessions and trials until SIGINT/SIGTERM')
    .option('--task-queue <name>', 'task queue to poll (default: TUNEFLOW_TASK_QUEUE, else tuneflow)')
    .option('--concurrency <n>', 'trial activities at once', positiveInt('--concurrency'))
    .option('--worker-id <id>', 'name of this worker in results and statistics (default: host-pid)')
    .action(async (flags: WorkerFlags) => {
      const services = await resolveServices();
      const connection = await connectWorker(services.target);
      const taskQueue = flags.taskQueue ?? process.env.TUNEFLOW_TASK_QUEUE ?? DEFAULT_TASK_QUEUE;
      const { worker, redis, workerId } = await createTuneflowWorker({
        connection,
        namespace: services.target.namespace,
        taskQueue,
        redisUrl: services.redisUrl,
        workerId: flags.workerId,
        concurrency: flags.concurrency,
      });
      console.error(`Worker ${workerId} polling ${taskQueue} on ${services.target.address} (namespace ${services.target.namespace}).`);
      try {
        await worker.run();
      } finally {
        redis.disconnect();
        await connection.close();
        await services.stop();
      }
      console.error(`Worker ${workerId} stopped.`);
    });
}
