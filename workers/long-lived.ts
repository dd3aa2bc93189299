import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { ActivityDeps } from '../activities';
import { preloadModules, workflowsPath } from './bundle-options';
import { loadConfig, type AppConfig } from './config';
import { baseWorkerOptions, buildDependencies, connectionOptions } from './dependencies';

/** Creates the long-lived worker (not yet running). Workflows from source, or a prebuilt bundle when given. */
export async function createLongLivedWorker(opts: {
  config: AppConfig;
  deps?: ActivityDeps;
  workflowBundlePath?: string;
  extra?: Partial<WorkerOptions>;
}): Promise<{ worker: Worker; connection: NativeConnection }> {
  const connection = await NativeConnection.connect(connectionOptions(opts.config));
  const worker = await Worker.create({
    connection,
    namespace: opts.config.TEMPORAL_NAMESPACE,
    ...baseWorkerOptions(opts.config, opts.deps ?? buildDependencies(opts.config)),
    maxCachedWorkflows: opts.config.WORKER_MAX_CACHED_WORKFLOWS,
    ...(opts.workflowBundlePath
      ? { workflowBundle: { codePath: opts.workflowBundlePath } }
      : { workflowsPath, bundlerOptions: { preloadModules } }),
    ...opts.extra,
  });
  return { worker, connection };
}

async function main(): Promise<void> {
  const config = loadConfig();
  const { worker, connection } = await createLongLivedWorker({
    config,
    workflowBundlePath: config.WORKFLOW_BUNDLE_PATH,
  });
  console.log(`[worker] polling task queue ${config.TEMPORAL_TASK_QUEUE} on ${config.TEMPORAL_ADDRESS}`);
  try {
    await worker.run();
  } finally {
    await connection.close();
  }
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
