import { GetItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { makeAwsClients } from '../../activities/adapters/aws';
import type { Posting } from '../../activities/adapters/ledger/port';
import { awsOptions } from '../../workers/config';
import { creatorPayoutWorkflowId, getPayoutStateQuery, type PayoutStatus } from '../../workflows/payouts/contract';
import { SA } from '../../workflows/shared/search-attributes';
import { until } from './admin';
import { pool, type ChaosPayout } from './payouts';
import type { ChaosStack } from './stack';

/** How a workflow stands, read from Temporal (describe + search attributes), not from what the workflow returned. */
export interface Standing {
  status: string;
  /** Running with `AwaitingActor` (≠ none) and `DeadlineAt` set: parked visibly for someone. */
  parked: boolean;
  awaiting?: string;
}

export async function standing(stack: ChaosStack, workflowId: string): Promise<Standing> {
  const d = await stack.client.workflow.getHandle(workflowId).describe();
  const awaiting = d.typedSearchAttributes.get(SA.AwaitingActor);
  const deadline = d.typedSearchAttributes.get(SA.DeadlineAt);
  const parked = d.status.name === 'RUNNING' && !!awaiting && awaiting !== 'none' && !!deadline;
  return { status: d.status.name, parked, awaiting };
}

const AUTOMATIC = new Set(['psp', 'bank', 'schedule']);

/** Polls until every workflow is closed or visibly parked, or the deadline passes; returns the last standings. */
export async function settle(stack: ChaosStack, workflowIds: string[], timeoutMs: number) {
  let last = new Map<string, Standing>();
  const settled = (s?: Standing) => s && (s.status !== 'RUNNING' || (s.parked && !AUTOMATIC.has(s.awaiting ?? '')));
  await until(
    async () => {
      const open = workflowIds.filter((id) => !settled(last.get(id)));
      const now = await pool(open, 16, async (id) => [id, await standing(stack, id).catch(() => undefined)] as const);
      last = new Map([...last, ...now.filter((x): x is [string, Standing] => !!x[1])]);
      // Waiting on a rail or a timer moves on by itself: only a wait on a person counts as parked here.
      return workflowIds.every((id) => settled(last.get(id)));
    },
    timeoutMs,
    // Only the still-open workflows are described each round: a short interval costs little and ends the wait sooner.
    250,
  );
  return last;
}

/** The payout's own view (for its state and attempt count); closed workflows still answer queries. */
export async function payoutStatus(stack: ChaosStack, p: ChaosPayout): Promise<PayoutStatus | undefined> {
  try {
    return await stack.client.workflow.getHandle(creatorPayoutWorkflowId(p.payoutId)).query(getPayoutStateQuery);
  } catch {
    return undefined;
  }
}

/** Every posting in the ledger table (moto DynamoDB) whose ID starts with `prefix`. */
export async function scanPostings(stack: ChaosStack, prefix: string): Promise<Posting[]> {
  const { dynamo } = makeAwsClients(awsOptions(stack.config));
  const out: Posting[] = [];
  let start: Record<string, never> | undefined;
  do {
    const page = await dynamo.send(
      new ScanCommand({
        TableName: stack.config.LEDGER_TABLE,
        FilterExpression: 'begins_with(pk, :p)',
        ExpressionAttributeValues: { ':p': { S: `POSTING#${prefix}` } },
        ExclusiveStartKey: start,
      }),
    );
    for (const item of page.Items ?? []) if (item['body']?.S) out.push(JSON.parse(item['body'].S) as Posting);
    start = page.LastEvaluatedKey as typeof start;
  } while (start);
  return out;
}

/** A balance item as stored (debits minus credits). */
export async function storedBalance(stack: ChaosStack, account: string, currency: string): Promise<number> {
  const { dynamo } = makeAwsClients(awsOptions(stack.config));
  const out = await dynamo.send(
    new GetItemCommand({
      TableName: stack.config.LEDGER_TABLE,
      Key: { pk: { S: `ACCOUNT#${account}` }, sk: { S: `BALANCE#${currency}` } },
      ConsistentRead: true,
    }),
  );
  return Number(out.Item?.['balance']?.N ?? 0);
}
