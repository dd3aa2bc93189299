import { randomUUID } from 'node:crypto';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
} from '@aws-sdk/client-sqs';
import { SubscribeCommand, UnsubscribeCommand } from '@aws-sdk/client-sns';
import type { Client } from '@temporalio/client';
import { createActivities, type ActivityDeps } from '../../activities';
import { makeAwsClients } from '../../activities/adapters/aws';
import { createHttpCreators } from '../../activities/adapters/creators/http-creators';
import { createDynamoLedger } from '../../activities/adapters/ledger/dynamo-ledger';
import { Accounts } from '../../activities/adapters/ledger/port';
import { createSweeperActivities } from '../../activities/sweeper';
import { startPayout } from '../../client/payouts';
import { stuckQuery, type StuckCategory } from '../../client/stuck';
import { startBankSandbox, type BankSandbox } from '../../sandboxes/bank';
import { payableCreator, startCreatorsSandbox, type CreatorsSandbox } from '../../sandboxes/creators';
import { awsOptions } from '../../workers/config';
import { buildDependencies } from '../../workers/dependencies';
import { STUCK_ITEM_EVENT, STUCK_THRESHOLD_EVENT } from '../../workflows/sweeper/contract';
import { testClient, testConfig, testWorker } from '../support/stack';
import { until } from '../support/wait';

/**
 * A real stack for sweeper tests: a bank that never confirms (so a payout's confirmation goes overdue), a creator
 * directory, the real audit table and events topic on moto, a worker whose sweeper writes its EMF lines into `lines`,
 * and an SQS queue subscribed to the events topic for the sweeper's notices only (an SNS filter policy, as ops would).
 */
export async function startSweeperStack() {
  const bank: BankSandbox = await startBankSandbox({ port: 0, hmacSecret: 'bank_test' });
  await post(`${bank.url}/__admin/faults`, { settleDelayMs: 3_600_000 });
  const creators: CreatorsSandbox = await startCreatorsSandbox({ port: 0 });
  const config = testConfig({ BANK_API_BASE: bank.url, CREATORS_API_BASE: creators.url });
  const aws = makeAwsClients(awsOptions(config));
  const deps: ActivityDeps = buildDependencies(config, { creators: createHttpCreators({ apiBase: creators.url }) });
  const lines: string[] = [];
  const activities = {
    ...createActivities(deps),
    ...createSweeperActivities(deps, { writeLine: (l) => lines.push(l) }),
  };
  const { worker, connection: workerConnection } = await testWorker(config, deps, { activities });
  const running = worker.run();
  const { client, connection } = await testClient(config);

  const { QueueUrl } = await aws.sqs.send(new CreateQueueCommand({ QueueName: `sweeper-${randomUUID()}` }));
  const attrs = await aws.sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  const { SubscriptionArn } = await aws.sns.send(
    new SubscribeCommand({
      TopicArn: `arn:aws:sns:${config.AWS_REGION}:123456789012:${config.EVENTS_TOPIC_NAME}`,
      Protocol: 'sqs',
      Endpoint: attrs.Attributes?.['QueueArn'],
      Attributes: {
        RawMessageDelivery: 'true',
        FilterPolicy: JSON.stringify({ type: [STUCK_ITEM_EVENT, STUCK_THRESHOLD_EVENT] }),
      },
    }),
  );
  const received: Array<{ type: string; dedupeKey: string; data: Record<string, unknown> }> = [];
  const started: string[] = [];

  return {
    config,
    client,
    deps,
    lines,
    received,
    /** Receives until the queue is empty; moto delivers to SQS within the SNS publish, so nothing is in flight. */
    async drainNotices() {
      for (;;) {
        const out = await aws.sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }));
        if (!out.Messages?.length) return received;
        for (const m of out.Messages) received.push(JSON.parse(m.Body ?? '{}') as (typeof received)[number]);
        await Promise.all(
          out.Messages.map((m) => aws.sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: m.ReceiptHandle }))),
        );
      }
    },
    /** Starts a funded payout of a new creator; `kyc: 'required'` parks it on payability, else it goes to the bank. */
    async startPayoutOf(kind: 'bank' | 'kyc', timing: Record<string, number> = {}) {
      const creatorId = `sw-${kind}-${randomUUID().slice(0, 8)}`;
      const overrides =
        kind === 'kyc'
          ? { kycStatus: 'required' }
          : { payoutMethod: { rail: 'bank', currency: 'USD', country: 'DE', iban: 'DE89370400440532013000' } };
      await post(`${creators.url}/__admin/creators`, payableCreator(creatorId, overrides));
      await createDynamoLedger({ aws, table: config.LEDGER_TABLE }).post({
        postingId: `fund-${creatorId}`,
        currency: 'USD',
        description: 'test funding',
        effectiveDate: new Date().toISOString().slice(0, 10),
        refs: { workflowId: 'test-funding' },
        legs: [
          { account: Accounts.platformCash, amountMinor: 10_000 },
          { account: Accounts.creatorAvailable(creatorId), amountMinor: -10_000 },
        ],
      });
      const { handle } = await startPayout(
        client,
        { payoutId: creatorId, creatorId, period: '2026-11', amount: { amountMinor: 5_000, currency: 'USD' }, timing },
        { taskQueue: config.TEMPORAL_TASK_QUEUE },
      );
      started.push(handle.workflowId);
      return handle;
    },
    async stop() {
      await Promise.all(
        started.map((id) =>
          client.workflow
            .getHandle(id)
            .terminate('test over')
            .catch(() => undefined),
        ),
      );
      await aws.sns.send(new UnsubscribeCommand({ SubscriptionArn }));
      await aws.sqs.send(new DeleteQueueCommand({ QueueUrl }));
      worker.shutdown();
      await running;
      await Promise.all([connection.close(), workerConnection.close(), bank.stop(), creators.stop()]);
    },
  };
}

/** Waits until the visibility store lists `workflowId` in `category` (it is eventually consistent). */
export async function visibleIn(client: Client, workflowId: string, category: StuckCategory): Promise<void> {
  await until(async () => {
    const { count } = await client.workflow.count(
      `WorkflowId = '${workflowId}' AND ${stuckQuery(category, new Date())}`,
    );
    return count > 0 ? true : undefined;
  }, 20_000);
}

export const post = (url: string, body: unknown) =>
  fetch(url, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });

export type SweeperStack = Awaited<ReturnType<typeof startSweeperStack>>;
