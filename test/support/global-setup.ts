import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeAwsClients } from '../../activities/adapters/aws';
import { bootstrapAws } from '../../infra/local/bootstrap-aws';
import { DATA_DIR } from '../../infra/local/paths';
import { freeStackPorts, startExternalServers } from '../../infra/local/stack';
import { buildWorkflowBundle } from '../../workers/build-bundle';
import { awsOptions, loadConfig } from '../../workers/config';

/**
 * Starts the real servers once per `jest` run on free ports (so parallel runs never collide):
 * Temporal dev server, moto and stripe-mock; creates the AWS resources; prebundles the workflows.
 * A server that cannot start fails the whole run loudly.
 */
export default async function globalSetup(): Promise<void> {
  const started = Date.now();
  const runDir = join(DATA_DIR, `test-run-${process.pid}`);
  mkdirSync(runDir, { recursive: true });
  const ports = await freeStackPorts();
  const [servers, bundlePath] = await Promise.all([
    startExternalServers({ ports, runDir, persist: false, embeddedTemporal: true, headless: true }),
    buildWorkflowBundle(join(runDir, 'workflow-bundle.js'), 'local'),
  ]);
  (globalThis as { __payopsStack?: typeof servers }).__payopsStack = servers;
  const env = {
    TEMPORAL_ADDRESS: servers.temporalAddress ?? '',
    AWS_ENDPOINT_URL: servers.awsEndpoint,
    STRIPE_MOCK_URL: servers.stripeMockUrl,
    PAYOPS_TEST_BUNDLE: bundlePath,
    PAYOPS_TEST_RUN_DIR: runDir,
  };
  Object.assign(process.env, env);
  const config = loadConfig({ ...process.env });
  // One events tap per jest worker: each worker drains its own queue, so files never steal each other's events.
  const workers = Array.from({ length: 8 }, (_, i) => `tap-w${i + 1}`);
  const { tapUrls } = await bootstrapAws(makeAwsClients(awsOptions(config)), config, { taps: ['tap', ...workers] });
  for (const name of workers) process.env[`PAYOPS_TEST_EVENTS_QUEUE_${name.slice(5)}`] = tapUrls[name];
  writeFileSync(join(runDir, 'stack.json'), JSON.stringify({ ...env, tapUrls }, null, 2));
  console.log(
    `\n[test stack] ready in ${Date.now() - started} ms: temporal ${env.TEMPORAL_ADDRESS}, moto ${env.AWS_ENDPOINT_URL}, stripe-mock ${env.STRIPE_MOCK_URL}`,
  );
}
