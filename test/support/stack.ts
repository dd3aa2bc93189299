import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { DeleteMessageCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { WorkerOptions } from '@temporalio/worker';
import type { ActivityDeps } from '../../activities';
import { makeAwsClients } from '../../activities/adapters/aws';
import { loadConfig, type AppConfig } from '../../workers/config';
import { createLongLivedWorker } from '../../workers/long-lived';

/** Reads a value the global setup exported; a missing one means the stack never started: fail loudly. */
export function stackEnv(name: 'TEMPORAL_ADDRESS' | 'AWS_ENDPOINT_URL' | 'STRIPE_MOCK_URL' | 'PAYOPS_TEST_BUNDLE' | 'PAYOPS_TEST_EVENTS_QUEUE'): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: the jest global setup did not start the test stack (run through \`npm test\`)`);
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
  return { client: new Client({ connection, namespace: config.TEMPORAL_NAMESPACE }), connection };
}

/** A real worker on the test stack with the prebuilt workflow bundle. */
export async function testWorker(config: AppConfig, deps?: ActivityDeps, extra?: Partial<WorkerOptions>) {
  return createLongLivedWorker({ config, deps, workflowBundlePath: stackEnv('PAYOPS_TEST_BUNDLE'), extra });
}

/** Drains the SNS→SQS tap until `predicate` matches an event, or fails after `timeoutMs`. */
export async function waitForEvent(
  config: AppConfig,
  predicate: (event: { type: string; dedupeKey: string; data: Record<string, unknown> }) => boolean,
  timeoutMs = 15_000,
): Promise<{ type: string; dedupeKey: string; data: Record<string, unknown> }> {
  const { sqs } = makeAwsClients(config);
  const QueueUrl = stackEnv('PAYOPS_TEST_EVENTS_QUEUE');
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, VisibilityTimeout: 0 }));
    for (const message of out.Messages ?? []) {
      const event = JSON.parse(message.Body ?? '{}');
      if (predicate(event)) {
        await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: message.ReceiptHandle }));
        return event;
      }
    }
  }
  throw new Error('no matching event arrived on the events tap');
}
