import type { Client, WorkflowHandle } from '@temporalio/client';
import { z } from 'zod';
import { formatMoney } from '../workflows/shared/money';
import { SA } from '../workflows/shared/search-attributes';
import { configuredTaskQueue } from './config';
import type { compensationApproval } from '../workflows/approvals/compensation-approval';
import {
  approveCompensationSignal,
  approveCompensationUpdate,
  amendCompensationSchema,
  amendCompensationUpdate,
  approvalStatusSchema,
  compensationRequestSchema,
  compensationWorkflowId,
  financeDecisionSchema,
  getCompensationStatusQuery,
  rejectCompensationSignal,
  rejectCompensationUpdate,
  type CompensationRequestInput,
  type CompensationStatus,
  type DecisionOutcome,
} from '../workflows/approvals/contract';
import { parseClientInput, startOrAttach, updateRefusal } from './errors';

export { compensationWorkflowId } from '../workflows/approvals/contract';
export type {
  CompensationRequestInput,
  CompensationStatus,
  DecisionOutcome,
  FinanceDecisionInput,
} from '../workflows/approvals/contract';

/**
 * Starts a compensation request; idempotent on `requestId`: a repeated call (running or finished) returns the
 * existing workflow instead of starting another one.
 */
export async function requestCompensation(
  client: Client,
  input: CompensationRequestInput,
  opts: { taskQueue?: string } = {},
): Promise<{ workflowId: string; handle: WorkflowHandle<typeof compensationApproval>; alreadyRequested: boolean }> {
  const request = parseClientInput(compensationRequestSchema, input, 'compensation request');
  const workflowId = compensationWorkflowId(request.requestId);
  const m = (amountMinor: number) => formatMoney({ amountMinor, currency: request.currency });
  const { refund, storeCreditMinor, voucherMinor } = request.remedies;
  const asked = [
    refund ? (refund.kind === 'full' ? 'full refund' : `refund ${m(refund.amountMinor)}`) : undefined,
    storeCreditMinor ? `store credit ${m(storeCreditMinor)}` : undefined,
    voucherMinor ? `voucher ${m(voucherMinor)}` : undefined,
  ].filter(Boolean);
  const { handle, existing } = await startOrAttach<typeof compensationApproval>(client, 'compensationApproval', {
    taskQueue: opts.taskQueue ?? configuredTaskQueue(),
    workflowId,
    args: [request],
    workflowIdConflictPolicy: 'USE_EXISTING',
    workflowIdReusePolicy: 'REJECT_DUPLICATE',
    staticSummary: `Compensation for order ${request.orderId}: ${asked.join(' + ')} (${request.reasonCode})`,
    staticDetails: `Requested by agent ${request.requester.agentId} (${request.requester.role}) under policy ${request.policyVersion}. Finance decides with the approveCompensation / rejectCompensation update.`,
    typedSearchAttributes: [
      { key: SA.ApprovalState, value: 'evaluating' },
      { key: SA.OrderId, value: request.orderId },
      { key: SA.RequesterId, value: [request.requester.agentId] },
      { key: SA.Currency, value: request.currency },
    ],
  });
  return { workflowId, handle, alreadyRequested: existing };
}

/** The validator's (or handler's) answer to a decision sent as an update. */
export type DecisionVerdict =
  { accepted: true; outcome: DecisionOutcome } | { accepted: false; type: string; code: string; message: string };

const verdictOf = (err: unknown): DecisionVerdict => ({ accepted: false, ...updateRefusal(err) });

/** Sends a finance decision through the update path and returns the verdict (refusals are answers, not throws). */
export async function decideCompensation(
  client: Client,
  workflowId: string,
  kind: 'approve' | 'reject',
  decision: unknown,
): Promise<DecisionVerdict> {
  const d = parseClientInput(financeDecisionSchema, decision, 'finance decision');
  const handle = client.workflow.getHandle(workflowId);
  try {
    const outcome = await handle.executeUpdate(
      kind === 'approve' ? approveCompensationUpdate : rejectCompensationUpdate,
      { args: [d] },
    );
    return { accepted: true, outcome };
  } catch (err) {
    return verdictOf(err);
  }
}

/** Fire-and-forget decision (an invalid one is recorded as refused in the workflow and its audit trail). */
export async function signalCompensationDecision(
  client: Client,
  workflowId: string,
  kind: 'approve' | 'reject',
  decision: unknown,
): Promise<void> {
  const d = parseClientInput(financeDecisionSchema, decision, 'finance decision');
  await client.workflow
    .getHandle(workflowId)
    .signal(kind === 'approve' ? approveCompensationSignal : rejectCompensationSignal, d);
}

/** The requester changes what to give while the request waits. */
export async function amendCompensation(
  client: Client,
  workflowId: string,
  amendment: unknown,
): Promise<DecisionVerdict> {
  const a = parseClientInput(amendCompensationSchema, amendment, 'amendment');
  try {
    return {
      accepted: true,
      outcome: await client.workflow.getHandle(workflowId).executeUpdate(amendCompensationUpdate, { args: [a] }),
    };
  } catch (err) {
    return verdictOf(err);
  }
}

export async function getCompensationStatus(client: Client, workflowId: string): Promise<CompensationStatus> {
  return client.workflow.getHandle(workflowId).query(getCompensationStatusQuery);
}

/** One row of the finance work list, from search attributes (eventually consistent: fine for a list). */
export interface PendingApproval {
  workflowId: string;
  orderId: string | undefined;
  tier: string | undefined;
  amountMinor: number | undefined;
  currency: string | undefined;
  awaitingSince: Date | undefined;
  deadlineAt: Date | undefined;
  ageMs: number | undefined;
}

const listFilter = z.object({
  state: approvalStatusSchema.default('pending'),
  tier: z
    .string()
    .regex(/^[a-z_]+$/)
    .optional(),
});

/** The visibility query behind {@link listApprovals}; the README shows the same for the CLI. */
export function approvalsListQuery(filter: z.input<typeof listFilter> = {}): string {
  const f = parseClientInput(listFilter, filter, 'list filter');
  return [
    `WorkflowType = 'compensationApproval'`,
    `ApprovalState = '${f.state}'`,
    ...(f.tier ? [`AwaitingTier = '${f.tier}'`] : []),
  ].join(' AND ');
}

/** Requests in a state (default: pending), oldest wait first. */
export async function listApprovals(
  client: Client,
  filter: z.input<typeof listFilter> = {},
  now = Date.now(),
): Promise<PendingApproval[]> {
  const rows: PendingApproval[] = [];
  for await (const wf of client.workflow.list({ query: approvalsListQuery(filter) })) {
    const sa = wf.typedSearchAttributes;
    const since = sa.get(SA.AwaitingSince);
    rows.push({
      workflowId: wf.workflowId,
      orderId: sa.get(SA.OrderId),
      tier: sa.get(SA.AwaitingTier),
      amountMinor: sa.get(SA.AmountMinor),
      currency: sa.get(SA.Currency),
      awaitingSince: since,
      deadlineAt: sa.get(SA.DeadlineAt),
      ageMs: since ? now - since.getTime() : undefined,
    });
  }
  return rows.sort((a, b) => (a.awaitingSince?.getTime() ?? 0) - (b.awaitingSince?.getTime() ?? 0));
}
