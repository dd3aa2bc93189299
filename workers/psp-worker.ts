import { Worker, type WorkerOptions, type WorkerPlugin } from '@temporalio/worker';
import { pspTaskQueue } from '../workflows/shared/task-queue';

/**
 * The PSP queue's worker options, from the main worker's final options: the same connection, namespace, activities,
 * data converter (payload encryption), activity interceptors and versioning, on `<taskQueue>-psp`, without workflows
 * (nothing but PSP activities is ever scheduled there).
 */
export function pspWorkerOptions(main: WorkerOptions): WorkerOptions {
  const { connection, namespace, activities, dataConverter, identity, interceptors } = main;
  return {
    ...(connection ? { connection } : {}),
    ...(namespace ? { namespace } : {}),
    ...(identity ? { identity } : {}),
    ...(dataConverter ? { dataConverter } : {}),
    ...(interceptors?.activity ? { interceptors: { activity: interceptors.activity } } : {}),
    ...(main.workerDeploymentOptions ? { workerDeploymentOptions: main.workerDeploymentOptions } : {}),
    ...(main.shutdownGraceTime !== undefined ? { shutdownGraceTime: main.shutdownGraceTime } : {}),
    ...(main.maxConcurrentActivityTaskExecutions !== undefined
      ? { maxConcurrentActivityTaskExecutions: main.maxConcurrentActivityTaskExecutions }
      : {}),
    taskQueue: pspTaskQueue(main.taskQueue),
    activities,
  };
}

/** Shuts a worker down if it still runs (shutdown() throws in any other state). */
function stop(worker: Worker): void {
  if (worker.getState() === 'RUNNING') worker.shutdown();
}

/**
 * A worker plugin that serves the PSP queue beside the worker it is given to: a second `Worker` on
 * `<taskQueue>-psp` (a Temporal worker polls one task queue) that starts when the main worker runs (`run`,
 * `runUntil`, the Lambda handler's invocation) and stops with it; if either fails, the other is shut down and the
 * failure surfaces. As a plugin it needs no change where workers are run (start, tests, bench, Lambda).
 * One instance per worker: it keeps that worker's options.
 */
export function pspQueuePlugin(): WorkerPlugin {
  let mainOptions: WorkerOptions | undefined;
  return {
    name: 'payops-psp-queue',
    configureWorker(options) {
      mainOptions = options;
      return options;
    },
    async runWorker(main, next) {
      if (!mainOptions) throw new Error('payops-psp-queue: the plugin was not configured by Worker.create');
      const psp = await Worker.create(pspWorkerOptions(mainOptions));
      const pspRun = psp.run().catch((err: unknown) => {
        stop(main);
        throw err;
      });
      // Both shut down together (a Lambda invocation's shutdown budget is one grace period, not two): the SDK exposes
      // no shutdown event, so the main worker's state is watched.
      const follow = setInterval(() => main.getState() !== 'RUNNING' && stop(psp), 100);
      const mainRun = next(main).finally(() => {
        clearInterval(follow);
        stop(psp);
      });
      const [mainDone, pspDone] = await Promise.allSettled([mainRun, pspRun]);
      if (mainDone.status === 'rejected') throw mainDone.reason;
      if (pspDone.status === 'rejected') throw pspDone.reason;
    },
  };
}
