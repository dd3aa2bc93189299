import {
  BatchGetItemCommand,
  GetItemCommand,
  QueryCommand,
  TransactGetItemsCommand,
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
import {
  assertBalanced,
  isIsoDate,
  POSTING_SCOPES,
  postingConflict,
  sameMoney,
  scopeOf,
  type LedgerPort,
  type NewPosting,
  type Posting,
  type PostingScope,
  type StatementLine,
} from './port';

/** The sparse day index on the ledger table (see {@link createDynamoLedger}). */
export const DAY_INDEX = 'gsi1';

/**
 * Ledger in one DynamoDB table. A posting is one transaction: a conditional put of the posting
 * record (attribute_not_exists, so a retried posting never posts twice) plus an ADD per account
 * balance, with an optional non-negative condition for accounts that must not be overdrawn.
 *
 * Balance sign convention: the stored figure is debits minus credits. "Must stay non-negative"
 * applies to the account's *credit* balance (what the platform owes), so the condition reads
 * `-(balance + amount) >= 0` for credit-normal accounts; see `creditNormal`.
 *
 * Since the day index, a dated posting (all new ones) also writes, in the same transaction:
 * - on the posting item `gsi1pk = DAY#<effectiveDate>#<scope>`, `gsi1sk = <postingId>`: the sparse GSI `gsi1` that
 *   lists a day's postings per scope (`bank`, `psp`, `ledger`) for reconciliation, 1 MB per Query page;
 * - per leg, an entry `ACCOUNT#<account>` / `ENTRY#<ccy>#<effectiveDate>#<postingId>` (the account statement) and an
 *   `ADD` on `ACCOUNT#<account>` / `DAYTOTAL#<ccy>#<effectiveDate>` (the day's movement): the balance before any date
 *   is then `balance − Σ day totals from that date on`, read in one TransactGetItems (a consistent snapshot), which
 *   also counts postings stored before the index.
 * Every one of these is derived from the posting alone, so a retry still sends identical parameters.
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

  /** The statement entry and the day total of one leg (the posting's own put guards them: no condition here). */
  const statementItems = (
    posting: Posting,
    account: string,
    amountMinor: number,
    date: string,
  ): TransactWriteItem[] => [
    {
      Put: {
        TableName: deps.table,
        Item: {
          pk: { S: `ACCOUNT#${account}` },
          sk: { S: entrySk(posting.currency, date, posting.postingId) },
          postingId: { S: posting.postingId },
          effectiveDate: { S: date },
          amountMinor: { N: String(amountMinor) },
          description: { S: posting.description },
          ...(posting.refs ? { refs: { S: JSON.stringify(posting.refs) } } : {}),
        },
      },
    },
    {
      Update: {
        TableName: deps.table,
        Key: { pk: { S: `ACCOUNT#${account}` }, sk: { S: dayTotalSk(posting.currency, date) } },
        UpdateExpression: 'ADD movement :amt',
        ExpressionAttributeValues: { ':amt': { N: String(amountMinor) } },
      },
    },
  ];

  /**
   * The account's balance before `from`, from one consistent snapshot: the balance now minus every day total from
   * `from` on. The dates come from a query first; today and tomorrow (UTC) are read as well, so the first posting of
   * a new day committed between the query and the snapshot is not counted in the balance only.
   */
  const balanceBefore = async (account: string, currency: string, from: string): Promise<number> => {
    const dates = new Set<string>();
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const out = await dynamo.send(
        new QueryCommand({
          TableName: deps.table,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :lo AND :hi',
          ExpressionAttributeValues: {
            ':pk': { S: `ACCOUNT#${account}` },
            ':lo': { S: dayTotalSk(currency, from) },
            ':hi': { S: `${dayTotalSk(currency, '')}~` },
          },
          ProjectionExpression: 'sk',
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of out.Items ?? []) dates.add(item['sk']!.S!.slice(dayTotalSk(currency, '').length));
      startKey = out.LastEvaluatedKey;
    } while (startKey);
    const now = Date.now();
    for (const d of [now, now + 86_400_000].map((ms) => new Date(ms).toISOString().slice(0, 10)))
      if (d >= from) dates.add(d);
    // TransactGetItems reads at most 100 items: more than 99 days after `from` are read in several snapshots.
    const days = [...dates].sort();
    let balance = 0;
    let movement = 0;
    for (let i = 0; i === 0 || i < days.length; i += 99) {
      const chunk = days.slice(i, i + 99);
      const keys = [
        ...(i === 0 ? [balanceKey(account, currency)] : []),
        ...chunk.map((d) => ({ pk: { S: `ACCOUNT#${account}` }, sk: { S: dayTotalSk(currency, d) } })),
      ];
      const out = await dynamo.send(
        new TransactGetItemsCommand({ TransactItems: keys.map((Key) => ({ Get: { TableName: deps.table, Key } })) }),
      );
      const got = out.Responses ?? [];
      if (i === 0) balance = Number(got[0]?.Item?.['balance']?.N ?? 0);
      for (const r of got.slice(i === 0 ? 1 : 0)) movement += Number(r.Item?.['movement']?.N ?? 0);
    }
    return balance - movement;
  };

  return {
    async post(posting: NewPosting) {
      assertBalanced(posting);
      const guarded = new Set(posting.mustStayNonNegative ?? []);
      const debitGuarded = new Set(posting.mustStayDebit ?? []);
      const date = posting.effectiveDate;
      const items: TransactWriteItem[] = [
        {
          Put: {
            TableName: deps.table,
            Item: {
              ...postingKey(posting.postingId),
              body: { S: JSON.stringify(posting) },
              ...(date
                ? {
                    gsi1pk: { S: dayPartition(date, scopeOf(posting)) },
                    gsi1sk: { S: posting.postingId },
                  }
                : {}),
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
              : debitGuarded.has(leg.account)
                ? {
                    // Debit-normal accounts (a receivable) hold positive figures; a credit may not push them below 0.
                    ConditionExpression: 'balance >= :limit',
                    ExpressionAttributeValues: {
                      ':amt': { N: String(leg.amountMinor) },
                      ':limit': { N: String(-leg.amountMinor) },
                    },
                  }
                : { ExpressionAttributeValues: { ':amt': { N: String(leg.amountMinor) } } }),
          },
        })),
        ...(date ? posting.legs.flatMap((leg) => statementItems(posting, leg.account, leg.amountMinor, date)) : []),
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

    async postingsOn(date, opts = {}) {
      if (!isIsoDate(date)) throw new Error('date: must be a date written YYYY-MM-DD');
      const cursor = opts.startKey ? decodeCursor<DayCursor>(opts.startKey) : undefined;
      const scopes = opts.scope ? [opts.scope] : POSTING_SCOPES;
      const scope = cursor?.scope ?? scopes[0]!;
      if (!scopes.includes(scope)) throw new Error(`startKey: not a cursor of this listing`);
      // One Query per call (at most 1 MB read): a day of any size streams page by page.
      const out = await dynamo.send(
        new QueryCommand({
          TableName: deps.table,
          IndexName: DAY_INDEX,
          KeyConditionExpression: 'gsi1pk = :pk',
          ExpressionAttributeValues: { ':pk': { S: dayPartition(date, scope) } },
          ExclusiveStartKey: cursor?.key,
          ...(opts.limit ? { Limit: opts.limit } : {}),
        }),
      );
      const items = (out.Items ?? []).flatMap((item) => {
        const body = item['body']?.S;
        return body ? [JSON.parse(body) as Posting] : [];
      });
      const nextScope = scopes[scopes.indexOf(scope) + 1];
      const next: DayCursor | undefined = out.LastEvaluatedKey
        ? { scope, key: out.LastEvaluatedKey }
        : nextScope
          ? { scope: nextScope }
          : undefined;
      return { items, ...(next ? { next: encodeCursor(next) } : {}) };
    },

    async statement(account, currency, from, to, opts = {}) {
      if (!isIsoDate(from)) throw new Error('from: must be a date written YYYY-MM-DD');
      if (!isIsoDate(to)) throw new Error('to: must be a date written YYYY-MM-DD');
      if (to < from) throw new Error('to: must not be before from');
      const cursor = opts.startKey ? decodeCursor<StatementCursor>(opts.startKey) : undefined;
      const opening = cursor ? cursor.opening : await balanceBefore(account, currency, from);
      let running = cursor ? cursor.running : opening;
      const out = await dynamo.send(
        new QueryCommand({
          TableName: deps.table,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :lo AND :hi',
          ExpressionAttributeValues: {
            ':pk': { S: `ACCOUNT#${account}` },
            ':lo': { S: entrySk(currency, from, '') },
            // '$' sorts right after '#': every entry of `to`, whatever its posting ID, and none of the day after.
            ':hi': { S: `${entrySk(currency, to, '').slice(0, -1)}$` },
          },
          ConsistentRead: true,
          ExclusiveStartKey: cursor?.key,
          ...(opts.limit ? { Limit: opts.limit } : {}),
        }),
      );
      const items = (out.Items ?? []).map((item): StatementLine => {
        const amountMinor = Number(item['amountMinor']!.N);
        running += amountMinor;
        const refs = item['refs']?.S;
        return {
          postingId: item['postingId']!.S!,
          effectiveDate: item['effectiveDate']!.S!,
          amountMinor,
          runningBalanceMinor: running,
          description: item['description']?.S ?? '',
          ...(refs ? { refs: JSON.parse(refs) as StatementLine['refs'] } : {}),
        };
      });
      const next: StatementCursor | undefined = out.LastEvaluatedKey
        ? { key: out.LastEvaluatedKey, opening, running }
        : undefined;
      return { items, openingBalanceMinor: opening, ...(next ? { next: encodeCursor(next) } : {}) };
    },
  };
}

/** The day-index partition of a date and scope. */
const dayPartition = (date: string, scope: PostingScope) => `DAY#${date}#${scope}`;
/** A statement entry's sort key: currency, then date, then posting ID (the statement's order). */
const entrySk = (currency: string, date: string, postingId: string) => `ENTRY#${currency}#${date}#${postingId}`;
const dayTotalSk = (currency: string, date: string) => `DAYTOTAL#${currency}#${date}`;

interface DayCursor {
  scope: PostingScope;
  key?: Record<string, AttributeValue>;
}
interface StatementCursor {
  key: Record<string, AttributeValue>;
  opening: number;
  running: number;
}
/** Cursors are opaque to callers (base64url JSON); they hold keys of the ledger table, no amounts beyond balances. */
const encodeCursor = (c: DayCursor | StatementCursor) => Buffer.from(JSON.stringify(c)).toString('base64url');
function decodeCursor<T>(s: string): T {
  try {
    return JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as T;
  } catch {
    throw new Error('startKey: not a cursor of this ledger');
  }
}

/**
 * DynamoDB's transaction token is at most 36 characters; a digest of the posting ID keeps two postings of one payout
 * (`…:reserve`, `…:settle`) from sharing a token when a long workflow ID would make their first 36 characters equal.
 */
const requestToken = (postingId: string) => createHash('sha256').update(postingId).digest('hex').slice(0, 36);
