import { Worker, type WorkerOptions, type WorkerPlugin } from '@temporalio/worker';
import { PROVIDER_IDS } from '../workflows/routing/contract';
import { providerTaskQueues } from '../workflows/shared/provider-queue';
import { pspTaskQueue } from '../workflows/shared/task-queue';

/**
 * The PSP queue's worker options, from the main worker's final options: the same connection, namespace, activities,
 * data converter (payload encryption), activity interceptors and versioning, on `<taskQueue>-psp`, without workflows
 * (nothing but PSP activities is ever scheduled there).
 */
export function pspWorkerOptions(main: WorkerOptions, taskQueue = pspTaskQueue(main.taskQueue)): WorkerOptions {
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
    taskQueue,
    activities,
  };
}

/**
 * Every provider queue a payout may schedule on: `<taskQueue>-psp` (Stripe, and every Stripe-era payout) and each
 * other provider's from the routing tables (`<taskQueue>-psp-adyen`). Each is its own server-side queue: its own
 * rate limit and incident pause.
 */
export function providerQueues(taskQueue: string): string[] {
  return [...new Set(PROVIDER_IDS.flatMap((p) => providerTaskQueues(taskQueue, p)))];
}

/** Shuts a worker down if it still runs (shutdown() throws in any other state). */
function stop(worker: Worker): void {
  if (worker.getState() === 'RUNNING') worker.shutdown();
}

/**
 * A worker plugin that serves the provider queues beside the worker it is given to: one more `Worker` per queue of
 * {@link providerQueues} (`<taskQueue>-psp`, `<taskQueue>-psp-adyen`; a Temporal worker polls one task queue) that starts when the main worker runs (`run`,
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
      const options = mainOptions;
      const providers = await Promise.all(
        providerQueues(options.taskQueue).map((q) => Worker.create(pspWorkerOptions(options, q))),
      );
      const stopAll = () => providers.forEach(stop);
      const providerRuns = providers.map((w) =>
        w.run().catch((err: unknown) => {
          stop(main);
          stopAll();
          throw err;
        }),
      );
      // All shut down together (a Lambda invocation's shutdown budget is one grace period, not two): the SDK exposes
      // no shutdown event, so the main worker's state is watched.
      const follow = setInterval(() => main.getState() !== 'RUNNING' && stopAll(), 100);
      const mainRun = next(main).finally(() => {
        clearInterval(follow);
        stopAll();
      });
      const [mainDone, ...providerDone] = await Promise.allSettled([mainRun, ...providerRuns]);
      if (mainDone.status === 'rejected') throw mainDone.reason;
      for (const d of providerDone) if (d.status === 'rejected') throw d.reason;
    },
  };
}
