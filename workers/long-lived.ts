import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { ActivityDeps } from '../activities/deps';
import { dataConverterFor } from '../codec/for-config';
import { bundlerOptionsFor, workflowsPath } from './bundle-options';
import { requireSecrets, type AppConfig } from './config';
import { baseWorkerOptions, buildDependencies, connectionOptions } from './dependencies';
import { pspQueuePlugin } from './psp-worker';

/** What the long-lived worker runs: the product's activities (from `deps`) plus `extraActivities` (e.g. the bench's). */
export interface LongLivedWorkerOptions {
  config: AppConfig;
  deps?: ActivityDeps;
  /** A prebuilt workflow bundle; without it, workflows are bundled from source. */
  workflowBundlePath?: string;
  extraActivities?: object;
  extra?: Partial<WorkerOptions>;
}

/** Creates the long-lived worker (not yet running). Workflows from source, or a prebuilt bundle when given. */
export async function createLongLivedWorker(
  opts: LongLivedWorkerOptions,
): Promise<{ worker: Worker; connection: NativeConnection }> {
  requireSecrets(opts.config, 'worker');
  const connection = await NativeConnection.connect(connectionOptions(opts.config));
  const base = baseWorkerOptions(opts.config, opts.deps ?? buildDependencies(opts.config));
  const worker = await Worker.create({
    connection,
    namespace: opts.config.TEMPORAL_NAMESPACE,
    ...base,
    activities: { ...base.activities, ...opts.extraActivities },
    maxCachedWorkflows: opts.config.WORKER_MAX_CACHED_WORKFLOWS,
    plugins: [pspQueuePlugin()], // also serves the PSP queue (`<queue>-psp`), in step with this worker
    dataConverter: dataConverterFor(opts.config),
    ...(opts.workflowBundlePath
      ? { workflowBundle: { codePath: opts.workflowBundlePath } }
      : { workflowsPath, bundlerOptions: bundlerOptionsFor(opts.config.PAYOPS_MODE) }),
    ...opts.extra,
  });
  return { worker, connection };
}

/** Runs the long-lived worker until it shuts down (SIGINT/SIGTERM), then closes its connection. */
export async function runLongLivedWorker(opts: LongLivedWorkerOptions): Promise<void> {
  const { worker, connection } = await createLongLivedWorker(opts);
  console.log(`[worker] polling task queue ${opts.config.TEMPORAL_TASK_QUEUE} on ${opts.config.TEMPORAL_ADDRESS}`);
  try {
    await worker.run();
  } finally {
    await connection.close();
  }
}

/** A worker process's entry point: runs `main`; a failure prints its message and exits 1. */
export function workerMain(main: () => Promise<void>): void {
  main().catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}

if (require.main === module) {
  workerMain(async () => {
    // Outside local mode: the real PSP key (or its Secrets Manager ARN) or no start.
    const { loadProcessConfig } = await import('./secrets');
    const config = await loadProcessConfig('worker');
    await runLongLivedWorker({ config, workflowBundlePath: config.WORKFLOW_BUNDLE_PATH });
  });
}
