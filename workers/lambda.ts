import { runWorker } from '@temporalio/lambda-worker';
import type { LambdaHandler } from '@temporalio/lambda-worker';
import type { ActivityDeps } from '../activities';
import { dataConverterFor } from '../codec/for-config';
import { loadConfig, type AppConfig } from './config';
import { baseWorkerOptions, buildDependencies } from './dependencies';

/**
 * Builds the Lambda handler: a serverless Temporal worker with worker versioning on (PINNED), so a
 * running payout finishes on the code it started with. Connection settings come from Temporal's
 * standard env config (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, temporal.toml).
 */
export function createLambdaHandler(opts: {
  config: AppConfig;
  deps?: ActivityDeps;
  workflowBundlePath: string;
}): LambdaHandler {
  const { config } = opts;
  return runWorker({ deploymentName: config.WORKER_DEPLOYMENT_NAME, buildId: config.WORKER_BUILD_ID }, (lambda) => {
    Object.assign(lambda.workerOptions, baseWorkerOptions(config, opts.deps ?? buildDependencies(config)));
    lambda.workerOptions.workflowBundle = { codePath: opts.workflowBundlePath };
    lambda.workerOptions.dataConverter = dataConverterFor(config);
    lambda.workerOptions.workerDeploymentOptions = { defaultVersioningBehavior: 'PINNED' };
  });
}

let cached: LambdaHandler | undefined;

/** The Lambda entry point (`workers/lambda.handler`); the bundle is built by `npm run build:lambda`. */
export const handler: LambdaHandler = (event, context) => {
  cached ??= createLambdaHandler({ config: loadConfig(), workflowBundlePath: require.resolve('./workflow-bundle.js') });
  return cached(event, context);
};
