import type { Client, WorkflowHandle } from '@temporalio/client';
import { z } from 'zod';
import { formatMoney } from '../workflows/shared/money';
import { SA } from '../workflows/shared/search-attributes';
import {
  amendCompensationCommandSchema,
  amendCompensationUpdate,
  approvalStatusSchema,
  approveCompensationSignal,
  approveCompensationUpdate,
  compensationRequestId,
  compensationRequestCommandSchema,
  compensationWorkflowId,
  financeDecisionCommandSchema,
  getStateQuery,
  rejectCompensationSignal,
  rejectCompensationUpdate,
  type AmendCompensationCommand,
  type CompensationApprovalWorkflow,
  type CompensationRequestInput,
  type CompensationStatus,
  type DecisionOutcome,
  type FinanceDecisionCommand,
} from '../workflows/approvals/contract';
import { configuredTaskQueue } from './config';
import { ClientInputError, parseClientInput, startOrAttach, verdictOf, type Verdict } from './errors';

export { compensationWorkflowId } from '../workflows/approvals/contract';
export type {
  AmendCompensationCommand,
  ApprovalRefusalCode,
  CompensationRequestInput,
  CompensationStatus,
  DecisionOutcome,
  FinanceDecisionCommand,
} from '../workflows/approvals/contract';

/**
 * The subject a token claims, case-folded like the workflow's `caseFold`, for labels only (the search attribute
 * and summary): it is NOT verified here; the workflow verifies the token and refuses the start if it does not hold.
 */
function claimedSubject(token: string): string {
  try {
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as {
      sub?: unknown;
    };
    if (typeof claims.sub === 'string' && claims.sub !== '') return claims.sub.normalize('NFKC').toLowerCase();
  } catch {
    // fall through: not a JWT
  }
  throw new ClientInputError('invalid compensation request: requester.token: not a staff token (JWT)', [
    { path: 'requester.token', message: 'not a staff token (JWT)' },
  ]);
}

/**
 * Starts a compensation request as the staff member whose token is `requester.token` (the workflow verifies it
 * first and takes the requester's ID and role from it); idempotent on `requestId`: a repeated call (running or
 * finished) returns the existing workflow (`existing: true`) instead of starting another one.
 */
export async function requestCompensation(
  client: Client,
  input: CompensationRequestInput,
  opts: { taskQueue?: string } = {},
): Promise<{ workflowId: string; handle: WorkflowHandle<CompensationApprovalWorkflow>; existing: boolean }> {
  const request = parseClientInput(compensationRequestCommandSchema, input, 'compensation request');
  const requesterId = claimedSubject(request.requester.token);
  const role = request.requester.role ?? 'role from token';
  const m = (amountMinor: number) => formatMoney({ amountMinor, currency: request.currency });
  const { refund, storeCreditMinor, voucherMinor } = request.remedies;
  const asked = [
    refund ? (refund.kind === 'full' ? 'full refund' : `refund ${m(refund.amountMinor)}`) : undefined,
    storeCreditMinor ? `store credit ${m(storeCreditMinor)}` : undefined,
    voucherMinor ? `voucher ${m(voucherMinor)}` : undefined,
  ].filter(Boolean);
  return startOrAttach<CompensationApprovalWorkflow>(client, 'compensationApproval', {
    taskQueue: opts.taskQueue ?? configuredTaskQueue(),
    workflowId: compensationWorkflowId(request.requestId),
    args: [request],
    workflowIdReusePolicy: 'REJECT_DUPLICATE',
    staticSummary: `Compensation for order ${request.orderId}: ${asked.join(' + ')} (${request.reasonCode})`,
    staticDetails: `Requested by agent ${requesterId} (${role}) under the policy in effect at its start. Finance decides with the approveCompensation / rejectCompensation update (staff token required).`,
    typedSearchAttributes: [
      { key: SA.ApprovalState, value: 'evaluating' },
      { key: SA.OrderId, value: request.orderId },
      { key: SA.RequesterId, value: [requesterId] },
      { key: SA.Currency, value: request.currency },
    ],
  });
}

const handleOf = (client: Client, requestId: string) =>
  client.workflow.getHandle<CompensationApprovalWorkflow>(compensationWorkflowId(requestId));

/**
 * Sends a finance decision through the update path; a refusal is a verdict (with its rule's code), not a throw. The
 * approver is the subject of `decision.token`; the role is `decision.role` (one of the token's) or the token's highest.
 */
export async function decideCompensation(
  client: Client,
  requestId: string,
  kind: 'approve' | 'reject',
  decision: FinanceDecisionCommand,
): Promise<Verdict<DecisionOutcome>> {
  const d = parseClientInput(financeDecisionCommandSchema, decision, 'finance decision');
  const update = kind === 'approve' ? approveCompensationUpdate : rejectCompensationUpdate;
  return verdictOf(() => handleOf(client, requestId).executeUpdate(update, { args: [d] }));
}

/** Fire-and-forget decision (an invalid one is recorded as refused in the workflow and its audit trail). */
export async function signalCompensationDecision(
  client: Client,
  requestId: string,
  kind: 'approve' | 'reject',
  decision: FinanceDecisionCommand,
): Promise<void> {
  const d = parseClientInput(financeDecisionCommandSchema, decision, 'finance decision');
  await handleOf(client, requestId).signal(
    kind === 'approve' ? approveCompensationSignal : rejectCompensationSignal,
    d,
  );
}

/** The requester (the subject of `amendment.token`) changes what to give while the request waits. */
export async function amendCompensation(
  client: Client,
  requestId: string,
  amendment: AmendCompensationCommand,
): Promise<Verdict<DecisionOutcome>> {
  const a = parseClientInput(amendCompensationCommandSchema, amendment, 'amendment');
  return verdictOf(() => handleOf(client, requestId).executeUpdate(amendCompensationUpdate, { args: [a] }));
}

/** Where the request stands: status, route, every decision and refusal, what was carried out. */
export async function getCompensationStatus(client: Client, requestId: string): Promise<CompensationStatus> {
  return handleOf(client, requestId).query(getStateQuery);
}

/** One row of the finance work list, from search attributes (eventually consistent: fine for a list). */
export interface PendingApproval {
  requestId: string;
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
      requestId: compensationRequestId(wf.workflowId),
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
