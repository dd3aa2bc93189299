import {
  BatchGetItemCommand,
  GetItemCommand,
  UpdateItemCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  type AttributeValue,
  type BatchGetItemCommandOutput,
  type TransactWriteItem,
} from '@aws-sdk/client-dynamodb';
import { createHash } from 'node:crypto';
import { failure, FailureType } from '../../../workflows/shared/failures';
import type { AwsClients } from '../aws';
import { assertBalanced, postingConflict, sameMoney, type LedgerPort, type Posting } from './port';

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

  const postingKey = (postingId: string) => ({ pk: { S: `POSTING#${postingId}` }, sk: { S: 'POSTING' } });
  const storedPosting = async (postingId: string): Promise<Posting | undefined> => {
    const out = await dynamo.send(
      new GetItemCommand({ TableName: deps.table, Key: postingKey(postingId), ConsistentRead: true }),
    );
    const body = out.Item?.['body']?.S;
    return body ? (JSON.parse(body) as Posting) : undefined;
  };
  /**
   * Read back under the posting's ID: the same money already stored means an earlier attempt of this one committed
   * (true); other money under the ID is a conflict, thrown loudly rather than counted as posted; nothing stored is
   * false.
   */
  const alreadyStored = async (posting: Posting): Promise<boolean> => {
    const stored = await storedPosting(posting.postingId);
    if (stored && !sameMoney(stored, posting)) throw postingConflict(posting.postingId);
    return stored !== undefined;
  };

  /** When the posting was first stored: written outside the transaction and never overwritten. */
  const stampPostedAt = (postingId: string) =>
    dynamo.send(
      new UpdateItemCommand({
        TableName: deps.table,
        Key: postingKey(postingId),
        UpdateExpression: 'SET postedAt = if_not_exists(postedAt, :now)',
        ExpressionAttributeValues: { ':now': { S: new Date().toISOString() } },
      }),
    );

  return {
    async post(posting: Posting) {
      assertBalanced(posting);
      const guarded = new Set(posting.mustStayNonNegative ?? []);
      const items: TransactWriteItem[] = [
        {
          Put: {
            TableName: deps.table,
            Item: {
              ...postingKey(posting.postingId),
              body: { S: JSON.stringify(posting) },
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
        // The transaction holds only what the posting determines, so a retry under the same token sends the same
        // parameters (a clock reading here made every retry an IdempotentParameterMismatch for the token's window).
        await dynamo.send(
          new TransactWriteItemsCommand({ TransactItems: items, ClientRequestToken: requestToken(posting.postingId) }),
        );
        await stampPostedAt(posting.postingId);
        return { postingId: posting.postingId, alreadyPosted: false };
      } catch (err) {
        // Already stored by an earlier attempt, whose stamp may have failed after the transaction: stamp it now.
        const stored = async () => {
          await stampPostedAt(posting.postingId);
          return { postingId: posting.postingId, alreadyPosted: true };
        };
        if ((err as Error).name === 'IdempotentParameterMismatchException' && (await alreadyStored(posting)))
          return stored();
        if (err instanceof TransactionCanceledException || (err as Error).name === 'TransactionCanceledException') {
          const reasons = (err as TransactionCanceledException).CancellationReasons ?? [];
          // The posting's own put failed its condition: something is stored under the ID; the same money is a retry.
          if (reasons[0]?.Code === 'ConditionalCheckFailed' && (await alreadyStored(posting))) return stored();
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

    getPosting: storedPosting,

    async getPostings(postingIds) {
      const found: Posting[] = [];
      // BatchGetItem takes at most 100 keys and may hand some back unprocessed under load: ask again for those.
      for (let i = 0; i < postingIds.length; i += 100) {
        let keys: Array<Record<string, AttributeValue>> | undefined = postingIds.slice(i, i + 100).map(postingKey);
        while (keys && keys.length > 0) {
          const out: BatchGetItemCommandOutput = await dynamo.send(
            new BatchGetItemCommand({ RequestItems: { [deps.table]: { Keys: keys, ConsistentRead: true } } }),
          );
          for (const item of out.Responses?.[deps.table] ?? []) {
            const body = item['body']?.S;
            if (body) found.push(JSON.parse(body) as Posting);
          }
          keys = out.UnprocessedKeys?.[deps.table]?.Keys;
        }
      }
      return found;
    },
  };
}

/**
 * DynamoDB's transaction token is at most 36 characters; a digest of the posting ID keeps two postings of one payout
 * (`…:reserve`, `…:settle`) from sharing a token when a long workflow ID would make their first 36 characters equal.
 */
const requestToken = (postingId: string) => createHash('sha256').update(postingId).digest('hex').slice(0, 36);
