import { GetItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import type { TypedSearchAttributes } from '@temporalio/common';
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
  return standingOf(d.status.name, d.typedSearchAttributes);
}

/** A standing from a workflow's status and search attributes (a describe's or a visibility listing's). */
function standingOf(status: string, sa: TypedSearchAttributes): Standing {
  const awaiting = sa.get(SA.AwaitingActor);
  const deadline = sa.get(SA.DeadlineAt);
  const parked = status === 'RUNNING' && !!awaiting && awaiting !== 'none' && !!deadline;
  return { status, parked, awaiting };
}

const AUTOMATIC = new Set(['psp', 'bank', 'schedule']);

/**
 * Polls until every workflow is closed or visibly parked, or the deadline passes; returns the last standings. A parked
 * standing counts once it is read the same in two rounds: a command the row just sent (a resolve, a release) may still
 * be moving the workflow on while its search attributes show the wait it is leaving.
 *
 * Each round lists the running workflows once (visibility) instead of describing every open one: on two shared cores,
 * N describes every quarter second slow the very workflows being waited for. The listing only says where to look: a
 * workflow it no longer shows as running, or shows parked for a person, is described before it counts as settled (the
 * listing may lag), so nothing settles on the listing's word alone.
 */
export async function settle(stack: ChaosStack, workflowIds: string[], timeoutMs: number) {
  const last = new Map<string, Standing>();
  const seenParked = new Map<string, number>();
  const waitsOnPerson = (s?: Standing) => !!s && s.parked && !AUTOMATIC.has(s.awaiting ?? '');
  const settled = (id: string) => {
    const s = last.get(id);
    return !!s && (s.status !== 'RUNNING' || (waitsOnPerson(s) && (seenParked.get(id) ?? 0) >= 2));
  };
  const ours = new Set(workflowIds);
  await until(
    async () => {
      const open = workflowIds.filter((id) => !settled(id));
      const listed = await listRunning(stack, ours);
      const moving = (id: string) => {
        const s = listed.get(id);
        return !!s && !waitsOnPerson(s);
      };
      // Still running on a rail or a timer by the listing: nothing to confirm this round.
      for (const id of open)
        if (moving(id)) {
          last.set(id, listed.get(id) as Standing);
          seenParked.set(id, 0);
        }
      const confirm = open.filter((id) => !moving(id));
      const now = await pool(
        confirm,
        16,
        async (id) => [id, await standing(stack, id).catch(() => undefined)] as const,
      );
      for (const [id, s] of now) {
        if (!s) continue;
        const before = last.get(id);
        const same = waitsOnPerson(s) && waitsOnPerson(before) && before?.awaiting === s.awaiting;
        seenParked.set(id, waitsOnPerson(s) ? (same ? (seenParked.get(id) ?? 1) + 1 : 1) : 0);
        last.set(id, s);
      }
      // Waiting on a rail or a timer moves on by itself: only a wait on a person counts as parked here.
      return workflowIds.every(settled);
    },
    timeoutMs,
    // One listing a round, describes only where the listing shows a change: a short interval costs little.
    250,
  );
  return last;
}

/**
 * The running workflows among `ids` with their standing, by one visibility listing; empty when the server has no
 * listing (the time-skipping test server a row may run on): every open workflow is then described.
 */
async function listRunning(stack: ChaosStack, ids: ReadonlySet<string>): Promise<Map<string, Standing>> {
  const listed = new Map<string, Standing>();
  try {
    for await (const w of stack.client.workflow.list({ query: `ExecutionStatus = 'Running'` }))
      if (ids.has(w.workflowId)) listed.set(w.workflowId, standingOf('RUNNING', w.typedSearchAttributes));
  } catch {
    listed.clear();
  }
  return listed;
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
