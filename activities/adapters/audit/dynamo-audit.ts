import { GetItemCommand, PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import type { AwsClients } from '../aws';
import type { AuditEvent, AuditPort } from './port';

/** Append-only audit trail in DynamoDB keyed (stream, eventId): conditional puts, never updates; read back in time order. */
export function createDynamoAudit(deps: { aws: AwsClients; table: string }): AuditPort {
  return {
    async append(event) {
      try {
        await deps.aws.dynamo.send(
          new PutItemCommand({
            TableName: deps.table,
            Item: {
              pk: { S: event.stream },
              sk: { S: event.eventId },
              body: { S: JSON.stringify(event) },
            },
            ConditionExpression: 'attribute_not_exists(sk)',
          }),
        );
        return { appended: true };
      } catch (err) {
        if ((err as Error).name === 'ConditionalCheckFailedException') return { appended: false };
        throw err;
      }
    },
    async get(stream, eventId) {
      const out = await deps.aws.dynamo.send(
        new GetItemCommand({
          TableName: deps.table,
          Key: { pk: { S: stream }, sk: { S: eventId } },
          ConsistentRead: true,
        }),
      );
      const body = out.Item?.['body']?.S;
      return body ? (JSON.parse(body) as AuditEvent) : undefined;
    },
    async list(stream) {
      const events: AuditEvent[] = [];
      let start: Record<string, import('@aws-sdk/client-dynamodb').AttributeValue> | undefined;
      do {
        const out = await deps.aws.dynamo.send(
          new QueryCommand({
            TableName: deps.table,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': { S: stream } },
            ExclusiveStartKey: start,
            ConsistentRead: true,
          }),
        );
        for (const item of out.Items ?? []) events.push(JSON.parse(item['body']?.S ?? '{}') as AuditEvent);
        start = out.LastEvaluatedKey;
      } while (start);
      return events.sort((a, b) => a.at.localeCompare(b.at) || a.eventId.localeCompare(b.eventId));
    },
  };
}
