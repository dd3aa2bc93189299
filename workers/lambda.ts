import { runWorker } from '@temporalio/lambda-worker';
import type { LambdaHandler } from '@temporalio/lambda-worker';
import type { WorkerPlugin } from '@temporalio/worker';
import type { ActivityDeps } from '../activities';
import { dataConverterFor } from './data-converter';
import { assertBundleTrust } from './bundle-trust';
import { requireSecrets, type AppConfig } from './config';
import { baseWorkerOptions, buildDependencies } from './dependencies';
import { SERVICES, setupProcessLogger, workerRuntimeLogging, type ProcessLogger } from './logger';
import { pspQueuePlugin } from './psp-worker';
import { loadProcessConfig } from './secrets';
import { startTracing, type Tracing } from './telemetry';

/**
 * Builds the Lambda handler: a serverless Temporal worker with worker versioning on (PINNED), so a
 * running payout finishes on the code it started with. Connection settings come from Temporal's
 * standard env config (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, temporal.toml); an API key read from
 * Secrets Manager (`TEMPORAL_API_KEY_SECRET_ARN`) is applied on top. Refuses without the PSP key outside local mode.
 * Logs are the process's JSON (workers/logger.ts) with the invocation's Lambda context (request ID, cold start);
 * with `tracing`, spans are flushed before each invocation returns (the container may be frozen after).
 */
export function createLambdaHandler(opts: {
  config: AppConfig;
  deps?: ActivityDeps;
  workflowBundlePath: string;
  tracing?: Tracing;
}): LambdaHandler {
  const { config, tracing } = opts;
  requireSecrets(config, 'worker');
  const log = setupProcessLogger(config, SERVICES.worker);
  assertBundleTrust(opts.workflowBundlePath, config.PAYOPS_MODE);
  const run = runWorker(
    { deploymentName: config.WORKER_DEPLOYMENT_NAME, buildId: config.WORKER_BUILD_ID },
    (lambda) => {
      Object.assign(lambda.workerOptions, baseWorkerOptions(config, opts.deps ?? buildDependencies(config), tracing));
      // Replaces the package's own Powertools logger: one logger (level, service) for the whole process.
      Object.assign(lambda.runtimeOptions, workerRuntimeLogging(log));
      if (tracing) lambda.shutdownHooks.push(() => tracing.forceFlush());
      lambda.workerOptions.workflowBundle = { codePath: opts.workflowBundlePath };
      lambda.workerOptions.dataConverter = dataConverterFor(config);
      lambda.workerOptions.workerDeploymentOptions = { defaultVersioningBehavior: 'PINNED' };
      // Each invocation also polls the PSP queue, under the same deployment version (README: PSP pacing).
      lambda.workerOptions.plugins = [
        ...(lambda.workerOptions.plugins ?? []),
        pspQueuePlugin(),
        invocationPhases(log, () => invokedAt),
      ];
      if (config.TEMPORAL_API_KEY) {
        // envconfig turns TLS on for an API key it reads; one from Secrets Manager gets the same rule.
        const tls = lambda.connectionOptions?.tls ?? true;
        lambda.connectionOptions = { ...lambda.connectionOptions, apiKey: config.TEMPORAL_API_KEY, tls };
      }
    },
  );
  let invokedAt = 0;
  return (event, context) => {
    invokedAt = Date.now();
    log.addContext(context);
    return run(event, context);
  };
}

/**
 * Logs, per invocation, how long the connection took (from the handler's call to the SDK configuring the worker) and
 * the worker's creation (its workflow thread loading the bundle) until it polls: `worker polling` with `connectMs` and
 * `createMs`. Lambda's own REPORT line gives the init (module load); `npm run bench:cold-start` reads all of them.
 */
function invocationPhases(log: ProcessLogger, invokedAt: () => number): WorkerPlugin {
  let configuredAt = 0;
  return {
    name: 'payops-invocation-phases',
    configureWorker(options) {
      // The psp plugin's second Worker.create passes through here too: only the main worker's creation counts.
      configuredAt ||= Date.now();
      return options;
    },
    runWorker(worker, next) {
      const now = Date.now();
      log.info('worker polling', { connectMs: configuredAt - invokedAt(), createMs: now - configuredAt });
      configuredAt = 0;
      return next(worker);
    },
  };
}

let cached: Promise<LambdaHandler> | undefined;

/**
 * The Lambda entry point (`workers/lambda.handler`); the bundle is built by `npm run build:lambda`. Configuration and
 * secrets are loaded once per container; a failed load fails the invocation and is tried again on the next one.
 */
export const handler: LambdaHandler = async (event, context) => {
  cached ??= loadProcessConfig('worker').then(async (config) =>
    createLambdaHandler({
      config,
      workflowBundlePath: require.resolve('./workflow-bundle.js'),
      tracing: await startTracing(config, SERVICES.worker),
    }),
  );
  const run = await cached.catch((err: unknown) => {
    cached = undefined;
    throw err;
  });
  return run(event, context);
};
