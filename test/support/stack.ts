import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { DeleteMessageCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { WorkerOptions } from '@temporalio/worker';
import type { ActivityDeps } from '../../activities';
import { makeAwsClients } from '../../activities/adapters/aws';
import { dataConverterFor } from '../../workers/data-converter';
import { awsOptions, loadConfig, type AppConfig } from '../../workers/config';
import { createLongLivedWorker } from '../../workers/long-lived';

/** Reads a value the global setup exported; a missing one means the stack never started: fail loudly. */
export function stackEnv(
  name:
    | 'TEMPORAL_ADDRESS'
    | 'AWS_ENDPOINT_URL'
    | 'STRIPE_MOCK_URL'
    | 'PAYOPS_TEST_BUNDLE'
    | `PAYOPS_TEST_EVENTS_QUEUE_${string}`,
): string {
  const value = process.env[name];
  if (!value)
    throw new Error(
      `${name} is not set: the jest global setup did not start the test stack (run through \`npm test\`)`,
    );
  return value;
}

/** A config pointing at the test stack, on a task queue of its own so parallel test files never share work. */
export function testConfig(overrides: Record<string, string> = {}): AppConfig {
  return loadConfig({
    ...process.env,
    PAYOPS_MODE: 'local',
    TEMPORAL_ADDRESS: stackEnv('TEMPORAL_ADDRESS'),
    AWS_ENDPOINT_URL: stackEnv('AWS_ENDPOINT_URL'),
    TEMPORAL_TASK_QUEUE: `test-${randomUUID()}`,
    ...overrides,
  });
}

export async function testClient(config: AppConfig): Promise<{ client: Client; connection: Connection }> {
  const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
  // The workers encrypt payloads: the client decrypts with the same keys (config's).
  const dataConverter = dataConverterFor(config);
  return { client: new Client({ connection, namespace: config.TEMPORAL_NAMESPACE, dataConverter }), connection };
}

/** A real worker on the test stack with the prebuilt workflow bundle. */
export async function testWorker(config: AppConfig, deps?: ActivityDeps, extra?: Partial<WorkerOptions>) {
  return createLongLivedWorker({ config, deps, workflowBundlePath: stackEnv('PAYOPS_TEST_BUNDLE'), extra });
}

type TapEvent = { type: string; dedupeKey: string; data: Record<string, unknown> };
/** Events this test file has drained from its worker's tap so far (files in one worker run one after another). */
const drained: TapEvent[] = [];

/** Drains this jest worker's SNS→SQS tap until `predicate` matches an event, or fails after `timeoutMs`. */
export async function waitForEvent(
  config: AppConfig,
  predicate: (event: TapEvent) => boolean,
  timeoutMs = 15_000,
): Promise<TapEvent> {
  const { sqs } = makeAwsClients(awsOptions(config));
  const QueueUrl = stackEnv(`PAYOPS_TEST_EVENTS_QUEUE_${process.env['JEST_WORKER_ID'] ?? '1'}`);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = drained.find(predicate);
    if (found) return found;
    if (Date.now() > deadline) throw new Error('no matching event arrived on the events tap');
    const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
    for (const message of out.Messages ?? []) {
      drained.push(JSON.parse(message.Body ?? '{}') as TapEvent);
      await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: message.ReceiptHandle }));
    }
  }
}
