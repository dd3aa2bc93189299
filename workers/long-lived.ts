import { NativeConnection, Runtime, Worker, type WorkerOptions } from '@temporalio/worker';
import type { ActivityDeps } from '../activities/deps';
import { dataConverterFor } from './data-converter';
import { bundlerOptionsFor, workflowInterceptorModules, workflowsPath } from './bundle-options';
import { assertBundleTrust } from './bundle-trust';
import { requireSecrets, type AppConfig } from './config';
import { baseWorkerOptions, buildDependencies, connectionOptions } from './dependencies';
import { processLogger, SERVICES, setupProcessLogger, workerRuntimeLogging } from './logger';
import { startTracing, type Tracing } from './telemetry';
import { pspQueuePlugin } from './psp-worker';

/** What the long-lived worker runs: the product's activities (from `deps`) plus `extraActivities` (e.g. the bench's). */
export interface LongLivedWorkerOptions {
  config: AppConfig;
  deps?: ActivityDeps;
  /** A prebuilt workflow bundle; without it, workflows are bundled from source. */
  workflowBundlePath?: string;
  extraActivities?: object;
  extra?: Partial<WorkerOptions>;
  /**
   * OpenTelemetry tracing; default: started from config (`OTEL_EXPORTER_OTLP_ENDPOINT`), none when unset. Workflows
   * bundled at start-up get the tracing workflow interceptors; a prebuilt bundle has them only if built with them.
   */
  tracing?: Tracing;
}

/** Creates the long-lived worker (not yet running). Workflows from source, or a prebuilt bundle when given. */
export async function createLongLivedWorker(
  opts: LongLivedWorkerOptions,
): Promise<{ worker: Worker; connection: NativeConnection; tracing?: Tracing }> {
  requireSecrets(opts.config, 'worker');
  // A prebuilt bundle's trust set must fit PAYOPS_MODE (a local bundle under aws would trust public keys).
  if (opts.workflowBundlePath) assertBundleTrust(opts.workflowBundlePath, opts.config.PAYOPS_MODE);
  const connection = await NativeConnection.connect(connectionOptions(opts.config));
  const tracing = opts.tracing ?? (await startTracing(opts.config, SERVICES.worker));
  const base = baseWorkerOptions(opts.config, opts.deps ?? buildDependencies(opts.config), tracing);
  const worker = await Worker.create({
    connection,
    namespace: opts.config.TEMPORAL_NAMESPACE,
    ...base,
    activities: { ...base.activities, ...opts.extraActivities },
    plugins: [pspQueuePlugin()], // also serves the PSP queue (`<queue>-psp`), in step with this worker
    dataConverter: dataConverterFor(opts.config),
    ...(opts.workflowBundlePath
      ? { workflowBundle: { codePath: opts.workflowBundlePath } }
      : {
          workflowsPath,
          bundlerOptions: bundlerOptionsFor(opts.config.PAYOPS_MODE),
          interceptors: { ...base.interceptors, workflowModules: workflowInterceptorModules({ tracing: !!tracing }) },
        }),
    ...opts.extra,
  });
  return { worker, connection, tracing };
}

/** Runs the long-lived worker until it shuts down (SIGINT/SIGTERM), then closes its connection. */
export async function runLongLivedWorker(opts: LongLivedWorkerOptions): Promise<void> {
  const { worker, connection, tracing } = await createLongLivedWorker(opts);
  processLogger().info('worker polling', {
    taskQueue: opts.config.TEMPORAL_TASK_QUEUE,
    address: opts.config.TEMPORAL_ADDRESS,
    namespace: opts.config.TEMPORAL_NAMESPACE,
  });
  try {
    await worker.run();
  } finally {
    await connection.close();
    // Exports the spans still batched, and only when this worker started the tracing.
    if (!opts.tracing) await tracing?.shutdown();
  }
}

/**
 * A worker process's entry point: runs `main`; a failure logs its message and exits 1. Start-up failures come from
 * configuration (messages name variables, never values) or the connection, not from payment data, so the message is
 * logged as it is: it is what the operator needs.
 */
export function workerMain(main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    processLogger().error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  });
}

/** The process's JSON logger from config, and the Temporal Runtime's logs (worker, workflows, activities) through it. */
export function installWorkerLogging(config: AppConfig): void {
  Runtime.install(workerRuntimeLogging(setupProcessLogger(config, SERVICES.worker)));
}

if (require.main === module) {
  workerMain(async () => {
    // Outside local mode: the real PSP key (or its Secrets Manager ARN) or no start.
    const { loadProcessConfig } = await import('./secrets');
    const config = await loadProcessConfig('worker');
    installWorkerLogging(config);
    await runLongLivedWorker({ config, workflowBundlePath: config.WORKFLOW_BUNDLE_PATH });
  });
}
