import {
  GetItemCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  type TransactWriteItem,
} from '@aws-sdk/client-dynamodb';
import { createHash } from 'node:crypto';
import { failure, FailureType } from '../../../workflows/shared/failures';
import type { AwsClients } from '../aws';
import { assertBalanced, type LedgerPort, type Posting } from './port';

/**
 * Ledger in one DynamoDB table. A posting is one transaction: a conditional put of the posting
 * record (attribute_not_exists, so a retried posting never posts twice) plus an ADD per account
 * balance, with an optional non-negative condition for accounts that must not be overdrawn.
 *
 * Balance sign convention: the stored figure is debits minus credits. "Must stay non-negative"
 * applies to the account's *credit* balance (what the platform owes), so the condition reads
 * `-(balance + amount) >= 0` for credit-normal accounts; see `creditNormal`.
 */
export function createDynamoLedger(deps: { aws: AwsClients; table: string }): LedgerPort {
  const { dynamo } = deps.aws;
  const balanceKey = (account: string, currency: string) => ({
    pk: { S: `ACCOUNT#${account}` },
    sk: { S: `BALANCE#${currency}` },
  });

  return {
    async post(posting: Posting) {
      assertBalanced(posting);
      const guarded = new Set(posting.mustStayNonNegative ?? []);
      const items: TransactWriteItem[] = [
        {
          Put: {
            TableName: deps.table,
            Item: {
              pk: { S: `POSTING#${posting.postingId}` },
              sk: { S: 'POSTING' },
              body: { S: JSON.stringify(posting) },
              postedAt: { S: new Date().toISOString() },
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        ...posting.legs.map((leg): TransactWriteItem => ({
          Update: {
            TableName: deps.table,
            Key: balanceKey(leg.account, posting.currency),
            UpdateExpression: 'ADD balance :amt',
            // Credit-normal accounts (creator balances) hold negative figures; a debit may not push them above 0.
            ...(guarded.has(leg.account)
              ? {
                  ConditionExpression: 'balance <= :limit',
                  ExpressionAttributeValues: {
                    ':amt': { N: String(leg.amountMinor) },
                    ':limit': { N: String(-leg.amountMinor) },
                  },
                }
              : { ExpressionAttributeValues: { ':amt': { N: String(leg.amountMinor) } } }),
          },
        })),
      ];
      try {
        await dynamo.send(
          new TransactWriteItemsCommand({ TransactItems: items, ClientRequestToken: requestToken(posting.postingId) }),
        );
        return { postingId: posting.postingId, alreadyPosted: false };
      } catch (err) {
        if (err instanceof TransactionCanceledException || (err as Error).name === 'TransactionCanceledException') {
          const reasons = (err as TransactionCanceledException).CancellationReasons ?? [];
          if (reasons[0]?.Code === 'ConditionalCheckFailed')
            return { postingId: posting.postingId, alreadyPosted: true };
          if (reasons.some((r) => r.Code === 'ConditionalCheckFailed')) {
            throw failure(FailureType.InsufficientFunds, `posting ${posting.postingId}: insufficient balance`);
          }
        }
        throw err;
      }
    },

    async balance(account, currency) {
      const out = await dynamo.send(
        new GetItemCommand({ TableName: deps.table, Key: balanceKey(account, currency), ConsistentRead: true }),
      );
      return Number(out.Item?.['balance']?.N ?? 0);
    },

    async getPosting(postingId) {
      const out = await dynamo.send(
        new GetItemCommand({
          TableName: deps.table,
          Key: { pk: { S: `POSTING#${postingId}` }, sk: { S: 'POSTING' } },
          ConsistentRead: true,
        }),
      );
      const body = out.Item?.['body']?.S;
      return body ? (JSON.parse(body) as Posting) : undefined;
    },
  };
}

/**
 * DynamoDB's transaction token is at most 36 characters; a digest of the posting ID keeps two postings of one payout
 * (`…:reserve`, `…:settle`) from sharing a token when a long workflow ID would make their first 36 characters equal.
 */
const requestToken = (postingId: string) => createHash('sha256').update(postingId).digest('hex').slice(0, 36);
