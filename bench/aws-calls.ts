import type { AttributeValue, TransactWriteItem } from '@aws-sdk/client-dynamodb';
import type { MiddlewareStack } from '@smithy/types';
import type { AwsClients } from '../activities/adapters/aws';

/** Calls per AWS operation and the DynamoDB capacity units they consume (on-demand pricing), as the bench counts them. */
export interface AwsCallCount {
  calls: number;
  /** Write request units: 1 per KB of a standard write, 2 per KB of a transactional one (DynamoDB pricing). */
  wru: number;
  /** Read request units: 1 per 4 KB strongly consistent read, 2 per 4 KB transactional (DynamoDB pricing). */
  rru: number;
}

/** An item's size as DynamoDB bills it, near enough: attribute names and values in UTF-8 bytes (numbers as text). */
function itemBytes(item: Record<string, AttributeValue> | undefined): number {
  if (!item) return 0;
  let bytes = 0;
  for (const [name, v] of Object.entries(item)) {
    bytes += Buffer.byteLength(name) + (v.S !== undefined ? Buffer.byteLength(v.S) : JSON.stringify(v).length);
  }
  return bytes;
}
const kb = (bytes: number, unit: number) => Math.max(1, Math.ceil(bytes / unit));

/** The units an operation consumes, from its input (items of unknown size, e.g. an update's, count as one unit). */
function unitsOf(command: string, input: Record<string, unknown>): { wru: number; rru: number } {
  switch (command) {
    case 'PutItemCommand':
      return { wru: kb(itemBytes(input['Item'] as Record<string, AttributeValue>), 1024), rru: 0 };
    case 'UpdateItemCommand':
    case 'DeleteItemCommand':
      return { wru: 1, rru: 0 };
    case 'TransactWriteItemsCommand':
      return {
        wru: ((input['TransactItems'] as TransactWriteItem[]) ?? []).reduce(
          (sum, t) => sum + 2 * (t.Put ? kb(itemBytes(t.Put.Item), 1024) : 1),
          0,
        ),
        rru: 0,
      };
    case 'GetItemCommand':
      return { wru: 0, rru: input['ConsistentRead'] ? 1 : 0.5 };
    case 'TransactGetItemsCommand':
      return { wru: 0, rru: 2 * ((input['TransactItems'] as unknown[]) ?? []).length };
    case 'QueryCommand':
      return { wru: 0, rru: input['ConsistentRead'] ? 1 : 0.5 };
    default:
      return { wru: 0, rru: 0 };
  }
}

/**
 * Counts every call the worker's AWS clients make, by `<client>.<operation>` (a middleware on each client: the bench
 * worker's only, never the product's), with DynamoDB's request units estimated from each request.
 */
export function countAwsCalls(aws: AwsClients): () => Record<string, AwsCallCount> {
  const counts: Record<string, AwsCallCount> = {};
  for (const [service, client] of Object.entries(aws)) {
    // One middleware for five client types: typed as the stack's common shape (input and output are not read).
    const stack = client.middlewareStack as unknown as MiddlewareStack<object, object>;
    stack.add(
      (next, context) => async (args) => {
        const name = `${service}.${String(context['commandName'] ?? 'unknown').replace(/Command$/, '')}`;
        const c = (counts[name] ??= { calls: 0, wru: 0, rru: 0 });
        const units = unitsOf(String(context['commandName']), args.input as Record<string, unknown>);
        c.calls += 1;
        c.wru += units.wru;
        c.rru += units.rru;
        return next(args);
      },
      { step: 'initialize', name: 'payopsBenchCount' },
    );
  }
  return () => structuredClone(counts);
}

/** Per payout: the calls between two counts, divided by the payouts made in between. */
export function perPayout(
  before: Record<string, AwsCallCount>,
  after: Record<string, AwsCallCount>,
  payouts: number,
): Record<string, AwsCallCount> {
  const round = (x: number) => Math.round(x * 100) / 100;
  return Object.fromEntries(
    Object.entries(after)
      .map(([op, c]): [string, AwsCallCount] => {
        const b = before[op] ?? { calls: 0, wru: 0, rru: 0 };
        return [
          op,
          {
            calls: round((c.calls - b.calls) / payouts),
            wru: round((c.wru - b.wru) / payouts),
            rru: round((c.rru - b.rru) / payouts),
          },
        ];
      })
      .filter(([, c]) => c.calls > 0),
  );
}

export const showAws = (counts: Record<string, AwsCallCount>) =>
  Object.entries(counts)
    .map(([op, c]) => `${op} ${c.calls}${c.wru ? ` (${c.wru} WRU)` : ''}${c.rru ? ` (${c.rru} RRU)` : ''}`)
    .join(', ');
