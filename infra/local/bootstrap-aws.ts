import {
  CreateTableCommand,
  DescribeTableCommand,
  ResourceInUseException,
  UpdateTableCommand,
  type AttributeDefinition,
  type GlobalSecondaryIndex,
} from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { CreateEmailIdentityCommand } from '@aws-sdk/client-sesv2';
import { CreateTopicCommand, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import type { AwsClients } from '../../activities/adapters/aws';
import type { AppConfig } from '../../workers/config';

/**
 * The ledger's sparse day index (`activities/adapters/ledger/dynamo-ledger.ts`): a day's postings per scope, the whole
 * posting projected so a reconciliation reads a day without a second read per posting. The CDK table has the same.
 */
const LEDGER_DAY_INDEX: { attributes: AttributeDefinition[]; index: GlobalSecondaryIndex } = {
  attributes: [
    { AttributeName: 'gsi1pk', AttributeType: 'S' },
    { AttributeName: 'gsi1sk', AttributeType: 'S' },
  ],
  index: {
    IndexName: 'gsi1',
    KeySchema: [
      { AttributeName: 'gsi1pk', KeyType: 'HASH' },
      { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
    ],
    Projection: { ProjectionType: 'ALL' },
  },
};

/**
 * Creates, idempotently, the AWS resources the CDK app creates in a real account: the ledger and
 * audit tables, the events topic (with SQS taps so people and tests can read events: `taps`, default one named
 * `tap`; the benchmark takes none, since nobody reads them there), the reports bucket and the verified sender identity.
 */
export async function bootstrapAws(
  aws: AwsClients,
  config: AppConfig,
  opts: { taps?: string[] } = {},
): Promise<{ tapUrls: Record<string, string> }> {
  for (const table of [config.LEDGER_TABLE, config.AUDIT_TABLE]) {
    const ledger = table === config.LEDGER_TABLE;
    try {
      await aws.dynamo.send(
        new CreateTableCommand({
          TableName: table,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [
            { AttributeName: 'pk', AttributeType: 'S' },
            { AttributeName: 'sk', AttributeType: 'S' },
            ...(ledger ? LEDGER_DAY_INDEX.attributes : []),
          ],
          KeySchema: [
            { AttributeName: 'pk', KeyType: 'HASH' },
            { AttributeName: 'sk', KeyType: 'RANGE' },
          ],
          ...(ledger ? { GlobalSecondaryIndexes: [LEDGER_DAY_INDEX.index] } : {}),
        }),
      );
    } catch (err) {
      if (!(err instanceof ResourceInUseException)) throw err;
    }
    const { Table } = await aws.dynamo.send(new DescribeTableCommand({ TableName: table }));
    // A ledger table made before the day index (a long-lived local stack) gets the index added.
    if (ledger && !Table?.GlobalSecondaryIndexes?.some((i) => i.IndexName === LEDGER_DAY_INDEX.index.IndexName)) {
      await aws.dynamo.send(
        new UpdateTableCommand({
          TableName: table,
          AttributeDefinitions: LEDGER_DAY_INDEX.attributes,
          GlobalSecondaryIndexUpdates: [{ Create: LEDGER_DAY_INDEX.index }],
        }),
      );
    }
  }
  const { TopicArn } = await aws.sns.send(new CreateTopicCommand({ Name: config.EVENTS_TOPIC_NAME }));
  const tapUrls: Record<string, string> = {};
  for (const name of opts.taps ?? ['tap']) {
    const { QueueUrl: url } = await aws.sqs.send(
      new CreateQueueCommand({ QueueName: `${config.EVENTS_TOPIC_NAME}-${name}` }),
    );
    const attrs = await aws.sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }));
    await aws.sns.send(
      new SubscribeCommand({
        TopicArn,
        Protocol: 'sqs',
        Endpoint: attrs.Attributes?.['QueueArn'],
        Attributes: { RawMessageDelivery: 'true' },
      }),
    );
    if (url) tapUrls[name] = url;
  }
  await aws.s3.send(new CreateBucketCommand({ Bucket: config.REPORTS_BUCKET })).catch((err: Error) => {
    if (!['BucketAlreadyOwnedByYou', 'BucketAlreadyExists'].includes(err.name)) throw err;
  });
  await aws.ses
    .send(new CreateEmailIdentityCommand({ EmailIdentity: config.NOTIFY_FROM_EMAIL }))
    .catch((err: Error) => {
      if (err.name !== 'AlreadyExistsException') throw err;
    });
  if (!TopicArn) throw new Error('bootstrap: events topic missing');
  return { tapUrls };
}
